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
