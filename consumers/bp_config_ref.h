/*
 * bp_config_ref.h - secret references in configuration values.
 *
 * Internal to the config module. A value that is, as a whole,
 * `${file:PATH}` or `${env:NAME}` stands for the content of the file PATH
 * (one trailing newline, "\n" or "\r\n", removed) or of the environment
 * variable NAME, so that a password need not sit in a config file or on a
 * command line (where `ps` shows it). A value that only contains such a
 * text, or that is `${...}` of another kind, is not resolved: the first is
 * taken literally, the second is an error, so that a typo in a reference
 * is not sent to a broker as a password.
 *
 * What a reference yields is bounded (BP_CONFIG_REF_MAX bytes, checked
 * before reading) and must not hold a NUL byte; anything else is kept as
 * it is, newlines included, so that a PEM key can come from a file.
 * Messages name the reference, never what it yields.
 */
#ifndef BP_CONFIG_REF_H
#define BP_CONFIG_REF_H

#include <stdbool.h>
#include <stddef.h>

#include "bp_error.h"

/** The most bytes a reference may yield (after the newline is removed,
 *  the file may hold two bytes more). */
#define BP_CONFIG_REF_MAX 65536

/** True when value has the shape of a reference: "${" ... "}". */
bool bp_config_ref_is(const char *value);

/**
 * Resolves the reference ref (bp_config_ref_is() is true) into *outp, a
 * NUL-terminated string the caller frees. Returns BP_OK; BP_ERR_NOMEM;
 * or BP_ERR_CONFIG with msg saying what is wrong ("${file:/x}: cannot
 * open: ...", "${env:X}: not set", too large, a NUL byte, an unknown
 * kind of reference) and *outp NULL. A file that cannot be read is a
 * configuration error too: the service cannot start without it.
 */
bp_err_t bp_config_ref_resolve(const char *ref, char **outp, char *msg,
                               size_t msg_size);

#endif
