/**
 * Helpers shared by sam3j's modules. Not part of the public API: may change without notice.
 */
package org.sam3j.internal;
