/**
 * {@code sam3 serve}: an embedded HTTP server (Javalin on Jetty) with a single-page web app and a REST API over
 * one {@link org.sam3j.Sam3Model}. Start one with {@link org.sam3j.server.Sam3Server#start}.
 */
package org.sam3j.server;
