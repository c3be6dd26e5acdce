/*
 * bp_test_schemas.c - the Avro schemas of the validation tests and of the
 * fuzz target, written inline as JSON (see bp_test_avro.h). Kept apart
 * from the cmocka helpers so the fuzz target can link it alone.
 */
#include "bp_test_avro.h"

#define BP_TEST_NS "\"namespace\":\"test.badgeproc\","
#define BP_TEST_TS "{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}"
#define BP_TEST_HEAD                                        \
        "{\"name\":\"event_id\",\"type\":\"string\"},"      \
        "{\"name\":\"freelancer_id\",\"type\":\"string\"}," \
        "{\"name\":\"occurred_at\",\"type\":" BP_TEST_TS "},"

const char *const bp_test_schema_json[BP_TS_COUNT] = {
    [BP_TS_PROFILE] =
        "{\"type\":\"record\",\"name\":\"ProfileUpdated\"," BP_TEST_NS
        "\"fields\":[" BP_TEST_HEAD
        "{\"name\":\"profile_version\",\"type\":\"long\"},"
        "{\"name\":\"account_status\",\"type\":{\"type\":\"enum\",\"name\":"
        "\"AccountStatus\",\"symbols\":[\"ACTIVE\",\"SUSPENDED\",\"CLOSED\"]}},"
        "{\"name\":\"profile_completeness\",\"type\":\"int\"},"
        "{\"name\":\"visibility\",\"type\":{\"type\":\"enum\",\"name\":"
        "\"Visibility\",\"symbols\":[\"PUBLIC\",\"UPWORK_ONLY\",\"PRIVATE\"]}},"
        "{\"name\":\"english_level\",\"type\":{\"type\":\"enum\",\"name\":"
        "\"EnglishLevel\",\"symbols\":[\"NONE\",\"BASIC\",\"CONVERSATIONAL\","
        "\"FLUENT\",\"NATIVE\"]}},"
        "{\"name\":\"job_success_score\",\"type\":[\"null\",\"int\"],"
        "\"default\":null},"
        "{\"name\":\"origin\",\"type\":{\"type\":\"enum\",\"name\":\"Origin\","
        "\"symbols\":[\"NATIVE\",\"ELANCE\"]}},"
        "{\"name\":\"signup_partner_id\",\"type\":[\"null\",\"string\"],"
        "\"default\":null},"
        "{\"name\":\"certifications\",\"type\":{\"type\":\"array\",\"items\":"
        "{\"type\":\"record\",\"name\":\"Certification\",\"fields\":["
        "{\"name\":\"certification_id\",\"type\":\"string\"},"
        "{\"name\":\"expires_at\",\"type\":[\"null\"," BP_TEST_TS
        "],\"default\":null}]}}}]}",
    [BP_TS_CONTRACT] =
        "{\"type\":\"record\",\"name\":\"ContractCompleted\"," BP_TEST_NS
        "\"fields\":[" BP_TEST_HEAD
        "{\"name\":\"contract_id\",\"type\":\"string\"},"
        "{\"name\":\"skills\",\"type\":{\"type\":\"array\",\"items\":"
        "\"string\"}},"
        "{\"name\":\"feedback_score\",\"type\":[\"null\",\"double\"],"
        "\"default\":null}]}",
    [BP_TS_DECISION] =
        "{\"type\":\"record\",\"name\":\"PartnerDecision\"," BP_TEST_NS
        "\"fields\":[" BP_TEST_HEAD
        "{\"name\":\"partner_id\",\"type\":\"string\"},"
        "{\"name\":\"decision\",\"type\":{\"type\":\"enum\",\"name\":"
        "\"Decision\",\"symbols\":[\"SELECTED\",\"NOT_SELECTED\","
        "\"REMOVED\"]}},"
        "{\"name\":\"decided_by\",\"type\":{\"type\":\"enum\",\"name\":"
        "\"DecidedBy\",\"symbols\":[\"PARTNER\",\"PLATFORM\"]}},"
        "{\"name\":\"reason\",\"type\":[\"null\",\"string\"],"
        "\"default\":null}]}",
    [BP_TS_KITCHEN] =
        "{\"type\":\"record\",\"name\":\"Kitchen\"," BP_TEST_NS "\"fields\":["
        "{\"name\":\"flag\",\"type\":\"boolean\"},"
        "{\"name\":\"count\",\"type\":\"int\"},"
        "{\"name\":\"total\",\"type\":\"long\"},"
        "{\"name\":\"ratio\",\"type\":\"float\"},"
        "{\"name\":\"score\",\"type\":\"double\"},"
        "{\"name\":\"blob\",\"type\":\"bytes\"},"
        "{\"name\":\"digest\",\"type\":{\"type\":\"fixed\",\"name\":"
        "\"Digest\",\"size\":4}},"
        "{\"name\":\"color\",\"type\":{\"type\":\"enum\",\"name\":\"Color\","
        "\"symbols\":[\"RED\",\"GREEN\",\"BLUE\"]}},"
        "{\"name\":\"tags\",\"type\":{\"type\":\"map\",\"values\":\"long\"}},"
        "{\"name\":\"groups\",\"type\":{\"type\":\"map\",\"values\":"
        "{\"type\":\"array\",\"items\":\"string\"}}},"
        "{\"name\":\"inner\",\"type\":{\"type\":\"record\",\"name\":\"Inner\","
        "\"fields\":[{\"name\":\"label\",\"type\":\"string\"},"
        "{\"name\":\"empty\",\"type\":{\"type\":\"record\",\"name\":\"Empty\","
        "\"fields\":[]}}]}},"
        "{\"name\":\"choice\",\"type\":[\"null\",\"string\",\"Inner\","
        "\"Digest\"]},"
        "{\"name\":\"nothing\",\"type\":\"null\"}]}",
    [BP_TS_TREE]   = "{\"type\":\"record\",\"name\":\"Tree\",\"fields\":["
                     "{\"name\":\"value\",\"type\":\"int\"},"
                     "{\"name\":\"children\",\"type\":{\"type\":\"array\","
                     "\"items\":\"Tree\"}}]}",
    [BP_TS_LIST]   = "{\"type\":\"record\",\"name\":\"List\",\"fields\":["
                     "{\"name\":\"value\",\"type\":\"long\"},"
                     "{\"name\":\"next\",\"type\":[\"null\",\"List\"]}]}",
    [BP_TS_NULLS]  = "{\"type\":\"array\",\"items\":\"null\"}",
    [BP_TS_STRING] = "\"string\"",
};
