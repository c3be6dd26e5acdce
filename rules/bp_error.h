/*
 * bp_error.h - the project's one error enum.
 *
 * Every fallible function of badgeproc returns a bp_err_t: 0 is success,
 * negative values are errors. Errors coming from librdkafka, avro-c, LMDB,
 * libyaml or jansson are translated into one of these at the module that
 * calls the library, and the library's own text is kept in the caller's
 * errstr buffer so nothing is lost in translation.
 */
#ifndef BP_ERROR_H
#define BP_ERROR_H

typedef enum bp_err_e {
        BP_OK              = 0,
        BP_ERR_NOMEM       = -1,  /* allocation failed */
        BP_ERR_INVALID     = -2,  /* a value is out of range or malformed */
        BP_ERR_PARSE       = -3,  /* input could not be parsed at all */
        BP_ERR_IO          = -4,  /* a file or socket operation failed */
        BP_ERR_NOT_FOUND   = -5,  /* a looked-up item does not exist */
        BP_ERR_RULES       = -6,  /* a rules file is wrong */
        BP_ERR_SCHEMA      = -7,  /* an Avro schema is unknown or wrong */
        BP_ERR_TOO_LARGE   = -8,  /* input exceeds a documented bound */
        BP_ERR_KAFKA       = -9,  /* librdkafka reported an error */
        BP_ERR_STATE       = -10, /* the state store reported an error */
        BP_ERR_CONFIG      = -11, /* configuration is wrong */
        BP_ERR_UNSUPPORTED = -12  /* a valid request this build cannot do */
} bp_err_t;

/**
 * Returns a short, static, human-readable name for err ("out of memory").
 * Never NULL; unknown values give "unknown error".
 */
const char *bp_err_str(bp_err_t err);

#endif
