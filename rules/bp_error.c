/*
 * bp_error.c - names of the project's error codes.
 */
#include "bp_error.h"

const char *bp_err_str(bp_err_t err) {
        switch (err) {
        case BP_OK:
                return "success";
        case BP_ERR_NOMEM:
                return "out of memory";
        case BP_ERR_INVALID:
                return "invalid value";
        case BP_ERR_PARSE:
                return "parse error";
        case BP_ERR_IO:
                return "I/O error";
        case BP_ERR_NOT_FOUND:
                return "not found";
        case BP_ERR_RULES:
                return "rules error";
        case BP_ERR_SCHEMA:
                return "schema error";
        case BP_ERR_TOO_LARGE:
                return "input too large";
        case BP_ERR_KAFKA:
                return "kafka error";
        case BP_ERR_STATE:
                return "state store error";
        case BP_ERR_CONFIG:
                return "configuration error";
        case BP_ERR_UNSUPPORTED:
                return "unsupported";
        }
        return "unknown error";
}
