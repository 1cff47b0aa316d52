/* common/suggest: "did you mean ...?" for a learner's slips. The edit distance between two words
 * (insertions, deletions, substitutions and swaps of neighbours each cost 1) and the closest of a
 * list of candidates, when it is close enough to be a slip rather than another word. */
#ifndef MNL_SUGGEST_H
#define MNL_SUGGEST_H

/* Optimal-string-alignment distance: "trian" -> "train" is 1 (one swap), "cnnn" -> "cnn" 1.
 * Words longer than 63 characters count as far from everything (returns 64). */
int edit_distance(const char *a, const char *b);

/* The candidate nearest to word, or NULL when none is within a slip: distance 1 for words of up to
 * four characters, 2 up to eight, 3 beyond. Ties go to the first candidate. */
const char *suggest_closest(const char *word, const char *const *candidates, int n);

#endif
