#ifndef GREET_H
#define GREET_H
/* Write a greeting for `name` into `out` (at most `size` bytes); return its length. */
int greet(const char *name, char *out, unsigned long size);
const char *greet_version(void);
#endif
