package org.sam3j.hub;

/** Messages for error answers from the Hub, saying what was asked for and what to do about it. */
final class HubErrors {
    private final String endpoint;

    /** @param endpoint the endpoint, without trailing slash, e.g. {@code https://huggingface.co} */
    HubErrors(String endpoint) {
        this.endpoint = endpoint;
    }

    /**
     * The exception for an error answer to a request about {@code repoId} at {@code revision}, for
     * {@code file} (null for the revision listing).
     */
    HubException forAnswer(HubHttp.Answer answer, boolean tokenSent, String repoId, String revision, String file) {
        int status = answer.status();
        String code = answer.header("X-Error-Code");
        String hubSays = HubHttp.errorMessage(answer);
        String detail = "HTTP " + status + (code != null ? ", " + code : "") + (hubSays != null ? ": " + hubSays : "");
        if (status == 401 || status == 403) {
            return new HubAccessException(accessMessage(repoId, file, detail, tokenSent), status, code);
        }
        String what = file == null ? repoId + "@" + revision : "'" + file + "' of " + repoId + "@" + revision;
        if (status == 404) {
            String msg;
            if ("RepoNotFound".equals(code)) {
                msg = "no such repository: " + repoId + " on " + endpoint;
            } else if ("RevisionNotFound".equals(code)) {
                msg = "no such revision: repository " + repoId + " has no branch, tag or commit '" + revision + "'";
            } else if ("EntryNotFound".equals(code)) {
                msg = "no such file: " + repoId + "@" + revision + " has no '" + file + "'";
            } else if (file == null) {
                msg = "no such repository/revision: " + repoId + "@" + revision + " on " + endpoint;
            } else {
                msg = "no such repository/revision/file: " + what + " on " + endpoint;
            }
            return new HubException(msg + " (" + detail + ")", status, code);
        }
        String hint = status == 429 ? "; the Hub is rate-limiting requests, wait a little (a token raises the limit)"
                : status >= 500 ? "; the Hub may be having trouble, try again later" : "";
        return new HubException("request for " + what + " failed (" + detail + ") at " + answer.uri + hint, status, code);
    }

    String accessMessage(String repoId, String file, String detail, boolean tokenSent) {
        String page = endpoint + "/" + repoId;
        StringBuilder sb = new StringBuilder();
        sb.append("access to ").append(file == null ? repoId : "'" + file + "' of " + repoId).append(" was denied (")
                .append(detail).append("). ")
                .append(repoId).append(" is a gated repository (or it is private or does not exist): its files can only be ")
                .append("downloaded with a token of an account that was granted access. To get access:\n")
                .append("  1. sign in at ").append(page).append(" and accept the license / request access there;\n")
                .append("  2. create an access token (read permission) at ").append(endpoint).append("/settings/tokens;\n")
                .append("  3. set HF_TOKEN=<your token> in the environment, or run `huggingface-cli login` ")
                .append("(which stores it in ~/.cache/huggingface/token), then run again.\n");
        if (tokenSent) {
            sb.append("A token was sent but does not grant access: check that access was granted to that account ")
                    .append("(approval may take a while) and that the token may read gated repositories.");
        } else {
            sb.append("No token was sent: none was found in HF_TOKEN or the token file.");
        }
        return sb.toString();
    }
}
