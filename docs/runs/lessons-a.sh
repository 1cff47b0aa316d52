# docs/runs/lessons-a.sh — the lessons of docs/guide.md §4 (the four-step diagnosis) and §9
# (calibration, adversarial digits), each as its make target runs it (same settings and seeds),
# into $OUT/lesson-NAME/. A group of docs/runs.sh (read its header); tests/docs_claims.lessons-a.list
# checks the guide's numbers against these runs. About 4 CPU minutes on 2 cores from nothing.

# make lesson-adversarial (its runs' calibration.png and summary.txt are §9's calibration numbers)
cmd lesson-adversarial env MNISTLAB="$M" OUT="$OUT/lesson-adversarial" SEEDS="1 2 3" \
    sh experiments/adversarial/lesson.sh
# make lesson-diagnose
cmd lesson-diagnose env MNISTLAB="$M" OUT="$OUT/lesson-diagnose" SEEDS="1 2 3" \
    sh experiments/diagnose/lesson.sh 1 2 3 4
# guide §9's single runs: calibration of an mlp with a validation split and of cnn-4v9 without,
# and FGSM against an mlp (as the guide's commands, one thread: the same bits as written there)
train calibration-mlp mlp --set 'data.subset=3000 1000' --set 'data.validation=random 500' \
    --set train.epochs=2 --threads 1
train calibration-4v9 cnn-4v9 --set train.epochs=2 --threads 1
train attack-mlp mlp --set 'data.subset=10000 2000' --set train.epochs=3 --threads 1
run attack-mlp-fgsm attack "$OUT/attack-mlp"
