/* experiments/main: the mnistlab command line. Parses the subcommand, calls the library, and is the
 * only place that prints errors and chooses the exit status. */
#include <stdio.h>
#include <string.h>

#include "common/error.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: mnistlab COMMAND ...\n");
        return 2;
    }
    (void)argv;
    return 0;
}
