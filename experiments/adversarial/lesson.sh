#!/bin/sh
# experiments/adversarial/lesson.sh - `make lesson-adversarial`: how easily each network family is
# fooled. softmax, mlp and cnn are each trained on 9000 of 10,000 MNIST training images (1000 held
# out to fit calibration's temperature on) and tested on 2000, once per seed; then the fast gradient
# sign method (`mnistlab attack`) moves every test pixel by eps in the direction that raises that
# image's loss, for eps 0 to 0.3. Writes
#   results/lesson-adversarial/TABLE.md      test accuracy at each eps, mean ± std over the seeds,
#                                            and the clean runs' calibration error
#   results/lesson-adversarial/accuracy.png  accuracy against eps, one line per family (± std band)
#   results/lesson-adversarial/FAMILY/seedK/attack.png   the digits that flip at eps 0.1
#
#   MNISTLAB=bin/mnistlab SEEDS="1 2 3" sh experiments/adversarial/lesson.sh
#   KERNELS=reference ...    the same on the plain loops of models/reference/ (slow)
#   TRAIN=0 ...              the table and chart of the runs already made
set -e
. "$(dirname "$0")/../lesson-lib.sh"
lesson_check_seeds
OUT=${OUT:-results/lesson-adversarial}
EPS="0 0.05 0.1 0.15 0.2 0.25 0.3"
SUBSET="10000 2000"
# family|experiment|epochs|label
ROWS="softmax|experiments/softmax.conf|10|softmax regression (10 epochs, SGD 0.1)
mlp|experiments/mlp.conf|5|mlp 256-128 (5 epochs, Adam)
cnn|experiments/cnn.conf|3|cnn 2 conv layers (3 epochs, Adam)"

mkdir -p "$OUT"
if [ "${TRAIN:-1}" = 1 ]; then
    echo "$ROWS" | while IFS='|' read -r fam conf epochs label; do
        for s in $SEEDS; do
            dir="$OUT/$fam/seed$s"
            lesson_train "$dir" "$conf" --set "data.subset=$SUBSET" --set "data.validation=random 1000" \
                --set "train.epochs=$epochs" --set "train.seed=$s"
            "$M" attack "$dir" --eps "$EPS" ${KERNELS:+--kernels "$KERNELS"} > "$dir.attack.log" 2>&1 ||
                { echo "attack failed (see $dir.attack.log)"; exit 1; }
        done
    done
fi

# accuracy.dat: one block per family of "eps mean sd n" (accuracy in %); titles.txt: the labels
DAT="$OUT/accuracy.dat"
: > "$DAT"
: > "$OUT/titles.txt"
echo "$ROWS" | while IFS='|' read -r fam conf epochs label; do
    echo "# $fam: $label" >> "$DAT"
    for e in $EPS; do
        printf '%s ' "$e" >> "$DAT"
        for s in $SEEDS; do
            awk -F, -v e="$e" 'NR > 1 && $1 + 0 == e + 0 { print 100 * $2 }' "$OUT/$fam/seed$s/attack.csv"
        done | lesson_mean_sd >> "$DAT"
    done
    printf '\n\n' >> "$DAT"
    echo "$label" >> "$OUT/titles.txt"
done

n_seeds=$(echo $SEEDS | wc -w)
{
    echo "FGSM on MNIST: test accuracy (%) at each eps (every pixel moved by eps of its 0..1 range), mean ± std over $n_seeds seeds; $SUBSET images (9000 trained on, 1000 held out for the temperature, 2000 tested); \`make lesson-adversarial\`."
    echo
    printf '| family |'; for e in $EPS; do printf ' eps %s |' "$e"; done; echo ' ECE | temperature | ECE after |'
    printf '|---|'; for e in $EPS; do printf -- '---|'; done; echo '---|---|---|'
    echo "$ROWS" | while IFS='|' read -r fam conf epochs label; do
        printf '| %s |' "$label"
        awk -v fam="$fam" '/^# / { cur = substr($2, 1, length($2) - 1); next }
             cur == fam && NF == 4 { printf " %.2f ± %.2f |", $2, $3 }' "$DAT"
        for key in ece temperature ece_after_temperature; do
            for s in $SEEDS; do lesson_value "$OUT/$fam/seed$s" "$key"; done | lesson_mean_sd |
                awk '{ printf " %.4f ± %.4f |", $1, $2 }'
        done
        echo
    done
} > "$OUT/TABLE.md"

lesson_draw adversarial "$DAT" "$OUT/accuracy.png" "$OUT/titles.txt" seeds="$n_seeds"
cat "$OUT/TABLE.md"
echo "wrote $OUT/TABLE.md, $OUT/accuracy.png and $OUT/*/seed*/attack.png"
