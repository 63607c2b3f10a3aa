/* UUIDs in canonical lower-case form: 8-4-4-4-12 hex digits. */
#ifndef CR_UUID_H
#define CR_UUID_H

#include <stdbool.h>

#define CR_UUID_LEN 36

/* True for exactly 36 characters of lower- or upper-case canonical form. */
bool cr_uuid_valid(const char *s);
/* Random (version 4) UUID from RAND_bytes into out[37]; 0 or -1. */
int cr_uuid_generate(char out[CR_UUID_LEN + 1]);

#endif
