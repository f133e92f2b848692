#include <stdio.h>
#include "greet.h"

int greet(const char *name, char *out, unsigned long size) {
    return snprintf(out, size, "Hello, %s, from libgreet %s!", name, greet_version());
}

const char *greet_version(void) { return "1.0.0"; }
