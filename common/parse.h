/* common/parse: the one whole-number parser and the one word splitter that the settings reader,
 * the layer-spec parser and the command line share, so a number or a list means the same thing
 * (and is refused with the same words) wherever a learner types it. */
#ifndef MNL_PARSE_H
#define MNL_PARSE_H

#include <stddef.h>

/* s as a whole decimal number in lo..hi (trailing blanks allowed). 0, or -1 with the reason in
 * why ("\"2.5\" is not a whole number", "0 is out of range (1 to 65536)"). */
int parse_long(const char *s, long lo, long hi, long *out, char *why, size_t why_len);
/* The same into an int (lo, hi are ints, so the value always fits). */
int parse_int(const char *s, int lo, int hi, int *out, char *why, size_t why_len);

/* Split buf in place on runs of the characters in seps; words[] points into buf. Returns the word
 * count, or max + 1 when there are more than max words (words then holds the first max). */
int split_words(char *buf, const char *seps, char **words, int max);

#endif
