/* common/env: the environment variables mnistlab reads, checked like the settings they stand for:
 * a value that is set must be a number of the right type in the setting's range, or the run is
 * refused naming the variable; unset or empty means "not given". */
#ifndef MNL_ENV_H
#define MNL_ENV_H

/* $name as a whole number in lo..hi into *out; *given = 0 when unset or empty (out untouched).
 * MNL_OK, or MNL_ERR_CONFIG naming the variable, its value and the range; `like` names the
 * option or setting it stands for ("--threads"), for the message. */
int env_int(const char *name, int lo, int hi, const char *like, int *out, int *given);
/* The same for a finite number (a double, as its users compute in) in lo..hi. */
int env_double(const char *name, double lo, double hi, const char *like, double *out, int *given);

#endif
