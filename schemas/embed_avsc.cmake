# Writes OUT, a C file defining bp_avsc_texts[]: the text of each schema
# named in NAMES (DIR/<name>.avsc), in that order, as C string literals.
# Run by the build (cmake -P) whenever an .avsc file changes.
set(body "/* Generated from the schemas/ .avsc files by embed_avsc.cmake: do not edit. */\n")
string(APPEND body "#include \"bp_codec_int.h\"\n\n")
string(APPEND body "const char *const bp_avsc_texts[BP_REC__CNT] = {\n")
foreach(name ${NAMES})
  file(READ "${DIR}/${name}.avsc" text)
  string(REPLACE "\\" "\\\\" text "${text}")
  string(REPLACE "\"" "\\\"" text "${text}")
  string(REPLACE "\n" "\\n\"\n    \"" text "${text}")
  string(APPEND body "    /* ${name} */\n    \"${text}\",\n")
endforeach()
string(APPEND body "};\n")
file(WRITE "${OUT}" "${body}")
