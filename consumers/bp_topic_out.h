/*
 * bp_topic_out.h - badge events produced to a topic of the caller's
 * choice, as the runtime would produce them (Avro in the Confluent
 * framing, keyed by freelancer_id), for `replay --output-topic`.
 *
 * The producer is idempotent, so records keep their order per partition
 * however often librdkafka retries; nothing is transactional, since a
 * replay's output is a scratch topic that can be deleted and rewritten.
 * The topic must not be one of the live topics: bp_topic_out_check_name()
 * refuses the default names of the runtime's topics, and the caller adds
 * the input topics it reads.
 */
#ifndef BP_TOPIC_OUT_H
#define BP_TOPIC_OUT_H

#include <stddef.h>

#include "bp_badge_event.h"
#include "bp_cli.h"
#include "bp_codec.h"

typedef struct bp_topic_out_s bp_topic_out_t;

/**
 * Checks that topic is a legal name and none of the runtime's own default
 * topics (badge-events, badge-dlq, badge-state-changelog) nor one of the
 * avoid_cnt names in avoid. Returns 0, or -1 with errstr set.
 */
int bp_topic_out_check_name(const char *topic, const char *const *avoid,
                            size_t avoid_cnt, char *errstr, size_t errstr_size);

/**
 * Creates a producer to topic on the cluster of k (borrowed for the call).
 * codec (borrowed, must outlive it) encodes the events. NULL with errstr
 * set on failure.
 */
bp_topic_out_t *bp_topic_out_new(const bp_cli_kafka_t *k, const char *topic,
                                 bp_codec_t *codec, char *errstr,
                                 size_t errstr_size);

/**
 * Encodes ev and queues it for topic, waiting while librdkafka's queue is
 * full. Returns BP_OK, or BP_ERR_KAFKA / BP_ERR_INVALID with errstr set
 * (an earlier delivery failure is reported here too).
 */
bp_err_t bp_topic_out_send(bp_topic_out_t *out, const bp_badge_event_t *ev,
                           char *errstr, size_t errstr_size);

/**
 * Waits (up to timeout_ms) until every queued record is delivered.
 * BP_OK, or BP_ERR_KAFKA with errstr saying how many were not.
 */
bp_err_t bp_topic_out_flush(bp_topic_out_t *out, int timeout_ms, char *errstr,
                            size_t errstr_size);

/** Destroys the producer (records not flushed are lost). NULL is a
 *  no-op. */
void bp_topic_out_destroy(bp_topic_out_t *out);

#endif
