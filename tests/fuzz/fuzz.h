/*
 * fuzz.h - what the libFuzzer harnesses share: the entry points libFuzzer
 * calls (declared here, so -Wmissing-prototypes holds) and fixed inputs.
 */
#ifndef CAKIOSK_FUZZ_H
#define CAKIOSK_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The certificate the seal seeds are bound to (tests/fuzz/mkseeds.sh). */
static const unsigned char FUZZ_SEAL_CERT[] = "not really a certificate, but its bytes";

/* A NUL-terminated copy of the input (free() it). */
char *fuzz_str(const uint8_t *data, size_t size);

#endif
