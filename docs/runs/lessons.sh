# docs/runs/lessons.sh — the lessons of docs/guide.md §6 and §7 whose tables the guide prints,
# each as its make target runs it (same experiment, values and seeds), into $OUT/lesson-NAME/.
# A group of docs/runs.sh (read its header); tests/docs_claims-lessons.list checks the guide's
# tables against these runs. About 12 CPU minutes on 2 cores from nothing.

# make lesson-lr
run lesson-lr sweep experiments/cnn-4v9.conf --vary train.lr=0.0001,0.001,0.004,0.02,0.1,0.5 \
    --seeds "1 2 3" --out "$OUT/lesson-lr"
# make lesson-batch
run lesson-batch sweep experiments/cnn.conf --vary train.batch=16,64,256,1024 --set train.epochs=2 \
    --seeds "1 2 3" --out "$OUT/lesson-batch"
# make lesson-l2, and the weight templates of seed 1 of each value
run lesson-l2 sweep experiments/softmax.conf --vary train.l2=0,0.0001,0.001,0.01,0.1 \
    --seeds "1 2 3" --out "$OUT/lesson-l2"
for v in 0 0.0001 0.001 0.01 0.1; do
    run "lesson-l2-weights-$v" features "$OUT/lesson-l2/l2=$v/seed1/model.ckpt" --out "$OUT/lesson-l2/l2=$v"
done
# make lesson-width
run lesson-width sweep experiments/mlp.conf --vary model.hidden=16,32,64,128,256,512,1024 \
    --against params --seeds "1 2 3" --out "$OUT/lesson-width"
# make lesson-overfitting
cmd lesson-overfitting env MNISTLAB="$M" OUT="$OUT/lesson-overfitting" SEEDS="1 2 3 4 5" \
    sh experiments/overfitting/lesson.sh
