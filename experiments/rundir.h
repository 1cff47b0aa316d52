/* experiments/rundir: the run folder, results/NAME/ (or --out DIR), and the sweep folder above
 * its runs. This module alone knows their file names, who may delete or replace what, and when a
 * run counts as finished; report, sweep, cost, roc, diff and the page reach a run through it.
 *
 * ---- the format of a run folder ----------------------------------------------------------------
 *
 *   file              what it holds                                     written by (when)
 *   .mnistlab.lock    the holder's process id, under a POSIX record lock  rundir_take (first), removed
 *                     (common/fileio dir_lock); a lock whose process is    by rundir_release; a killed
 *                     gone is stale and taken over                         run's is taken over
 *   manifest.txt      "mnistlab run folder manifest 1", then one file      rundir_claim, before any
 *                     name a line: every file a run of the suite may       file below; predict and
 *                     write here (RUNDIR_RUN_FILES), and the pictures       features add theirs
 *                     predict and features drew here (rundir_adopt)         (rundir_adopt)
 *   config.used       the settings as read (INI, common/config)           runner, with each checkpoint
 *   model.ckpt        weights, optimizer state, epochs done and the run    runner, after each epoch
 *                     state: RNG states, the epoch in progress, a copy of   and on a signal
 *                     metrics.csv (models/checkpoint, experiments/runner)
 *   best.ckpt         the same for the epoch of lowest held-out loss       runner, after an epoch
 *                     (a fitted run's: its best round, a forest's first    (a fitted run: once, after
 *                     trees or the booster sliced there; when that is the   model.ckpt, run_save_best_
 *                     whole model, a hard link to model.ckpt, one file      fitted)
 *                     under two names, so k-NN's stored images are written
 *                     once; a copy where the file system has no links)
 *   metrics.csv       a header, then one row per evaluated epoch:          rundir_write_metrics, after
 *                     epoch, train_loss, train_acc, valid_loss, valid_acc,  each epoch's checkpoint;
 *                     test_loss, test_acc, seconds, images_per_s, lr        read by rundir_read_metrics
 *                     (common/metrics: metrics_csv_header)
 *   log.txt           every line the run printed                           runner, with each checkpoint
 *   curves.png, samples.png, confusion.png (and the .dat files gnuplot      report, at the end and on
 *                     read for them)                                        a signal (curves also live)
 *   summary.txt       "key = value" lines: experiment, family, dataset,    rundir_write_summary (report)
 *                     classes, seed, class_names, *_images, parameters,    then rundir_append_summary
 *                     mflops_per_image, threads, epochs, epochs_planned,   (roc, calibrate); read by
 *                     stopped_early, total_seconds, seconds_per_epoch,     rundir_read_summary
 *                     final_*, best_*, end_over_best_loss,
 *                     overfitting_from_epoch, degenerate ("no", or why the
 *                     run is stuck: common/metrics confusion_degeneracy),
 *                     roc_auc, test_acc_at_*, ece, ece_bins, temperature,
 *                     temperature_fitted_on, ece_after_temperature
 *   predictions.csv   the final model's answer for every test image         runner (experiments/
 *                                                                           predictions), at the end
 *   roc.png, roc.dat, thresholds.txt   a binary task's ROC                   roc, at the end
 *   calibration.png, calibration.dat   the reliability diagram of the test    calibrate, at the
 *                     images, before and after temperature scaling            end
 *   stopped.txt       one line: why the run stopped short, as readers show  rundir_mark_stopped,
 *                     it ("diverged at epoch 3, batch 5: loss is nan (lr    when the run diverged or
 *                     10)", "incomplete: interrupted by signal 2 during     a fit was interrupted;
 *                     the fit, nothing fitted"); never in a finished run    removed by rundir_claim
 *   finished.txt      the completion mark: "mnistlab run finished 1", then  rundir_finish, LAST
 *                     "NAME SIZE CRC32 ADLER32 MTIME_NS INODE" for every
 *                     other file of the manifest that is there (zlib's, 8
 *                     hex digits each; Adler-32 too, as a checkpoint ends
 *                     with its own CRC; the file's change time in
 *                     nanoseconds and its inode, decimal). A file whose
 *                     size, time and inode are the recorded ones, its time
 *                     before the mark's own, is not summed again (as git's
 *                     index); any other is. A mark of four fields a line
 *                     (before 2026-12-07), or whose stamps are stale (a
 *                     copied folder), is summed whole and, when it
 *                     verifies, stamped anew once (under the folder's lock)
 *   NAME.tmp.PID[.EXT]  a file being written (common/fileio atomic_*); a dead process's are
 *                     removed by the next rundir_take
 *
 * Order of writes: lock; manifest; then for each epoch model.ckpt, config.used, log.txt,
 * metrics.csv, best.ckpt; at the end the pictures, summary.txt, predictions.csv, the ROC and
 * calibration files; finished.txt last, written atomically. A run that starts writing into a folder first
 * removes its finished.txt and stopped.txt (rundir_claim), so a folder being changed is never
 * shown as finished, nor as the earlier run's end. A run that diverged or whose fit was interrupted
 * writes stopped.txt as its last file instead of finished.txt.
 *
 * Finished means: finished.txt is there and every file it names has that size and checksum.
 * Anything else is "in progress, epoch E/N" (a live process holds the lock; "tree E/N" for a
 * forest, "round E/N" for boosted trees, their planned count from the family's own setting),
 * stopped.txt's line when there is one ("diverged at epoch 3 ..."), or "incomplete: WHY".
 *
 * What may be deleted or replaced: only files that the manifest lists. A folder that holds a file
 * no manifest lists (or, in a folder written before manifests, a file the suite never writes) is
 * refused, naming the files; an empty folder is fine; sub-folders are never touched. A folder
 * written before manifests is read as before and upgraded once (manifest and completion mark
 * written, said on the console) when its files are all there and whole.
 *
 * ---- the format of a sweep folder ---------------------------------------------------------------
 *   .mnistlab.lock    held by the sweep for its whole run (a second sweep is refused, naming it)
 *   KEY=VALUE/seedS/  one run folder per run, as above
 *   SWEEP.md, sweep.png (sweep.dat, sweep.fail.dat), sweep-curves.png, heatmap.png (heatmap.dat)
 *                     written by experiments/sweep at the end; SWEEP.md marks a sweep's folder
 *
 * ---- the format of a diff's folder ---------------------------------------------------------------
 *   DIFF.md, fixed.png, broken.png, classes.png (classes.dat)   written by experiments/diff; DIFF.md
 *                     marks it
 *
 * ---- any other folder a command writes in ----------------------------------------------------------
 *   .mnistlab-files   "mnistlab files 1", then one file name a line: the files a command of the
 *                     suite wrote in a folder that is not a run's (a sweep's, a diff's,
 *                     robustness's, features/attack/predict --out), written by
 *                     rundir_claim_outputs before them and by rundir_adopt after. A run folder
 *                     lists them in its manifest.txt instead.
 * In manifest.txt, .mnistlab-files and finished.txt a name is one word: a space, a control byte,
 * DEL and '%' are written %XX (hex), so any file name is one entry.
 * The same rule as in a run folder: a command replaces a file only when the folder's list names it
 * (a picture STEM.png brings the STEM.*.dat and STEM.svg drawn beside it). In a folder of an earlier
 * mnistlab, without a list, a sweep's, diff's or robustness's files are taken as the suite's when
 * its SWEEP.md, DIFF.md or ROBUSTNESS.md is there, a results folder's (REPORT.md, index.html,
 * compare-*.png, cost-*.png) when its REPORT.md begins with RUNDIR_REPORT_HEAD, and a run folder's
 * model pictures when its config.used is; any other file there is the user's, and the command
 * refuses, naming it.
 *
 * Every file name above is spelled here only (the RUNDIR_* names below); the other modules use
 * these names, and ask rundir_is_sweep / rundir_is_diff / rundir_is_model_picture what a folder
 * or file is.
 * ---------------------------------------------------------------------------------------------- */
#ifndef MNL_RUNDIR_H
#define MNL_RUNDIR_H

#include <stddef.h>

#include "common/config.h"
#include "common/fileio.h"
#include "common/metrics.h"

#define RUNDIR_MANIFEST "manifest.txt"
#define RUNDIR_FINISHED "finished.txt"
#define RUNDIR_CONFIG   "config.used"
#define RUNDIR_CKPT     "model.ckpt"
#define RUNDIR_BEST     "best.ckpt"
#define RUNDIR_METRICS  "metrics.csv"
#define RUNDIR_LOG      "log.txt"
#define RUNDIR_SUMMARY  "summary.txt"
#define RUNDIR_PREDICTIONS "predictions.csv"
#define RUNDIR_STOPPED  "stopped.txt"
/* the pictures of a run and the data files gnuplot drew them from */
#define RUNDIR_CURVES     "curves.png"
#define RUNDIR_SAMPLES    "samples.png"
#define RUNDIR_CONFUSION  "confusion.png"
#define RUNDIR_CONFUSION_DAT "confusion.dat"
#define RUNDIR_ROC        "roc.png"
#define RUNDIR_ROC_DAT    "roc.dat"
#define RUNDIR_THRESHOLDS "thresholds.txt"
#define RUNDIR_CALIBRATION     "calibration.png"
#define RUNDIR_CALIBRATION_DAT "calibration.dat"
/* what predict and features draw into a run folder from its model (features-LAYER.png too) */
#define RUNDIR_PREDICT_PICTURE  "predict.png"
#define RUNDIR_WEIGHTS_PICTURE  "weights.png"
#define RUNDIR_SALIENCY_PICTURE "saliency.png"
#define RUNDIR_ATTACK_PICTURE   "attack.png"
#define RUNDIR_ATTACK_CSV       "attack.csv"
#define RUNDIR_FEATURES_PREFIX  "features-"
#define RUNDIR_FEATURES_MODEL   "features-model.png"
/* the sweep folder's own files (experiments/sweep) */
#define RUNDIR_SWEEP_MD     "SWEEP.md"
#define RUNDIR_SWEEP_PNG    "sweep.png"
#define RUNDIR_SWEEP_DAT    "sweep.dat"
#define RUNDIR_SWEEP_FAIL_DAT "sweep.fail.dat"
#define RUNDIR_SWEEP_CURVES "sweep-curves.png"
#define RUNDIR_HEATMAP      "heatmap.png"
#define RUNDIR_HEATMAP_DAT  "heatmap.dat"
/* a lesson's folder (experiments/overfitting/lesson.sh): its table, beside its runs and charts */
#define RUNDIR_LESSON_MD    "TABLE.md"
/* a diff's folder (experiments/diff) */
#define RUNDIR_DIFF_MD      "DIFF.md"
#define RUNDIR_DIFF_FIXED   "fixed.png"
#define RUNDIR_DIFF_BROKEN  "broken.png"
#define RUNDIR_DIFF_CLASSES "classes.png"
#define RUNDIR_DIFF_CLASSES_DAT "classes.dat"
/* robustness's folder (experiments/robustness): its table and a picture per transform */
#define RUNDIR_ROBUSTNESS_MD "ROBUSTNESS.md"
/* a results folder's report and page (experiments/report, experiments/html); the report's first
 * line marks a results folder an earlier mnistlab wrote */
#define RUNDIR_REPORT_MD    "REPORT.md"
#define RUNDIR_REPORT_HEAD  "# mnistlab: every run under this folder"
#define RUNDIR_INDEX_HTML   "index.html"
/* the list of the suite's files in any folder but a run's */
#define RUNDIR_FILES_LIST   ".mnistlab-files"
#define RUNDIR_MAX_FILES 256
/* The longest "/NAME" a run writes in its folder, a temp file's suffix included
 * ("/features-conv12.png.tmp.4194304.old"): a run folder's path leaves this much under PATH_MAX. */
#define RUNDIR_FILE_ROOM 64

/* The files a run writes (NULL-terminated): what rundir_claim lists in the manifest. */
extern const char *const RUNDIR_RUN_FILES[];

/* One run folder held by this process. */
typedef struct {
    char dir[MNL_PATH_LEN];
    DirLock lock;
    int temps_removed;            /* temporary files of a dead run removed by rundir_take */
    int legacy;                   /* written before manifests (its files are the suite's) */
    int had_files;                /* the folder held files of an earlier run when taken */
    char *names[RUNDIR_MAX_FILES];   /* the manifest as read, then as claimed */
    int n_names;
} RunDir;

/* The run folder of an experiment: out (--out) or results/EXPERIMENT; MNL_ERR_CONFIG for an empty
 * name, one too long for the files a run writes in it, or, without out, an experiment's name that
 * was cut (nothing is created). */
int rundir_choose(const char *out, const ExpConfig *c, char *dir, size_t n);
/* The experiment's name is whole, so it may name a folder (two names that differ only past the
 * cut would share one); else MNL_ERR_CONFIG saying so. */
int rundir_name_fits(const ExpConfig *c);
/* DIR/name into buf; MNL_ERR_ARG when it does not fit. */
int rundir_path(const char *dir, const char *name, char *buf, size_t n);

/* Create dir when needed, hold its lock (MNL_ERR_LOCKED naming the holder), remove what dead runs
 * left (their temporary files), read the manifest, and refuse (MNL_ERR_CONFIG) a folder holding
 * files no manifest lists, naming them. Writes nothing else. */
int rundir_take(RunDir *d, const char *dir);
/* Before the run writes: the manifest lists the run's files (and keeps the earlier entries), and
 * the completion mark is removed (journaled, so a failed run's rollback brings it back). */
int rundir_claim(RunDir *d);
/* The manifest lists name (a file of this folder). */
int rundir_owns(const RunDir *d, const char *name);
/* Write the completion mark, last: every manifest file present, with its size and checksums; the
 * outputs every finished run has must be there (else MNL_ERR_IO naming the missing one). */
int rundir_finish(RunDir *d);
/* dir's completion mark verifies: 0, or -1 with why ("curves.png is missing"). */
int rundir_verify(const char *dir, char *why, size_t n);
/* The folder taken holds a finished run (its mark verifies; for a folder of an earlier mnistlab,
 * its files are all there and whole). */
int rundir_is_finished(const RunDir *d);
/* Release the lock and forget the manifest. */
void rundir_release(RunDir *d);

/* Remove the pictures predict, features and attack drew from the folder's model (predict.png,
 * features-*.png, weights.png, saliency.png, attack.png, attack.csv and their data files) that the
 * manifest lists: they belong to the
 * model they were drawn from, and never stay beside another one. */
void rundir_remove_pictures(const RunDir *d);

/* predict and features: the file `name` was just written into dir; the folder's list (a run
 * folder's manifest, any other's .mnistlab-files) names it from now on, so a later command may
 * replace it. */
int rundir_adopt(const char *dir, const char *name);
/* The same for a picture (DIR/STEM.png) and the data files drawn for it (DIR/STEM.*.dat). */
int rundir_adopt_picture(const char *png);

/* Why the run stopped short, in one line as readers show it (stopped.txt): written instead of the
 * completion mark by a run that diverged or whose fit was interrupted. */
int rundir_mark_stopped(RunDir *d, const char *why);
/* The steps the run in dir plans, from its config.used, and their unit: train.epochs ("epoch") for
 * a network, model.trees ("tree") for a forest, model.rounds ("round") for boosted trees, 1
 * ("fit") for a family fitted in one go; 0 when config.used does not read. */
int rundir_planned(const char *dir, const char **unit);
/* train.epochs of the run in dir (its config.used), or 0 when it does not read. */
int rundir_planned_epochs(const char *dir);

/* ---- what a reader sees ---- */
typedef enum {
    RUNDIR_NONE = 0,              /* no run: no manifest, no summary, no checkpoint */
    RUNDIR_DONE,                  /* finished: the completion mark verifies */
    RUNDIR_RUNNING,               /* a live process holds the lock */
    RUNDIR_INCOMPLETE             /* anything else */
} RunDirState;

typedef struct {
    RunDirState state;
    int epoch, epochs;            /* steps recorded in metrics.csv, and planned (rundir_planned) */
    const char *unit;             /* "epoch", "tree", "round" or "fit" (a static string) */
    char text[600];               /* "finished", "in progress, epoch 12/150", "diverged at ...",
                                     "incomplete: ..." */
} RunDirStatus;

/* The state of the run in dir, for compare, sweep, diff and the page. A folder written before
 * completion marks whose files are all there and whole is upgraded once (manifest and mark
 * written, when its lock is free) and *upgraded set; the caller says so. */
RunDirState rundir_status(const char *dir, RunDirStatus *s, int *upgraded);

/* One run found under a results folder, as experiments/report lists it (from its summary.txt,
 * config.used and state): what compare, cost and the page show of it. */
typedef struct {
    char dir[MNL_PATH_LEN];          /* the run's folder */
    char name[MNL_PATH_LEN]; /* the folder relative to the results root: "cnn-4v9/seed3" */
    char task[160];          /* "mnist, classes 4 9, 500 test images": runs are compared within one */
    char differs[512];       /* settings changed from its experiment file ("lr=0.001, epochs=2"),
                                the seed included; "" when none */
    char differs_but_seed[512];
    char experiment[64], family[32], dataset[32], classes[40];
    unsigned long seed;
    long params, test_images;
    double mflops, total_s, per_epoch_s;
    int epochs, epochs_planned, stopped_early;   /* stopped_early: train.early_stop ended it */
    int best_epoch, best_on_validation;
    double best_epoch_acc, final_acc, final_loss, end_over_best;
    int overfits;
    /* a fitted family's size in its own unit ("stored images", "tree nodes" ...; "" for a network,
     * whose size is its parameters) and bytes, and its prediction cost (0 when not measured) */
    char size_unit[32];
    long long model_bytes;
    double predict_ms_per_1000;
    /* calibration (experiments/calibrate): the test images' expected calibration error, the
     * temperature fitted on the validation split and the error after it; NaN when not measured */
    double ece, temperature, ece_after;
    char stuck[320];         /* "no better than always answering 9: ..." (summary.txt's
                                confusion_degeneracy), "" for a run that learned */
    char state[600];         /* "finished", "in progress, epoch 12/150", "incomplete: ..." */
} RunSummary;

/* ---- metrics.csv: one writer, one reader ---- */
/* The whole text for these records (malloc'd). */
char *rundir_metrics_text(const EpochRecord *r, int n, size_t *len);
int rundir_write_metrics(const char *dir, const EpochRecord *r, int n);
/* The rows of a metrics text (name: its file, for messages): each must parse, epochs rise
 * strictly, each at most up_to_epoch (INT_MAX: any). *rows is malloc'd (free it). */
int rundir_parse_metrics(const char *text, const char *name, int up_to_epoch, EpochRecord **rows,
                         int *n);
/* The text of dir/metrics.csv (a regular file only, NUL bytes refused); *text malloc'd. */
int rundir_read_metrics_text(const char *dir, char **text);
/* Its rows, parsed as above. */
int rundir_read_metrics(const char *dir, EpochRecord **rows, int *n);

/* ---- the run state inside model.ckpt (and best.ckpt) ----
 * An opaque blob to models/checkpoint, its format is this: a header of uint32 version (2),
 * uint32 shuffle_size, uint32 dropout_size, int32 epoch, int32 next_batch, int32 n_order, double
 * loss_sum, double seconds, int64 correct, int64 count (native layout); the shuffle RNG's state
 * (shuffle_size bytes), the dropout RNG's (dropout_size), the epoch's batch order (n_order ints);
 * then uint32 L and metrics.csv's text as it stood (L bytes), so that a resume tells a damaged
 * metrics.csv from the real one. Version 1 ends before L and is still read. */
typedef struct {
    int epoch, next_batch;               /* the epoch in progress (0: none), its batches done */
    double loss_sum, seconds;            /* its meter and training seconds so far */
    long long correct, count;
    const void *shuffle_state, *dropout_state;   /* gsl_rng_state of the two RNGs */
    size_t shuffle_size, dropout_size;
    const void *order;                   /* the epoch's batch order, n_order ints (or NULL) */
    int n_order;
    const char *metrics_text;            /* metrics.csv at the checkpoint; NULL from version 1 */
    char *owned_text;                    /* unpack's copy of it (rundir_state_free) */
} RunState;

/* The blob for s (malloc'd), or NULL when memory runs out. */
unsigned char *rundir_pack_state(const RunState *s, size_t *len);
/* s from a blob (its pointers into blob, the metrics text copied); MNL_ERR_CKPT naming
 * ckpt_path when the blob is not one. */
int rundir_unpack_state(const unsigned char *blob, size_t len, const char *ckpt_path, RunState *s);
void rundir_state_free(RunState *s);

/* ---- summary.txt: one writer, one reader ---- */
int rundir_write_summary(const char *dir, const char *text, size_t len);
/* Lines added at its end (the whole file rewritten atomically). */
int rundir_append_summary(const char *dir, const char *text);
/* The value of `key` into buf; 0, or -1 when there is no such line or no readable summary. */
int rundir_summary_value(const char *text, const char *key, char *buf, size_t n);
/* The whole summary.txt (a regular file only); *text malloc'd. */
int rundir_read_summary(const char *dir, char **text);

/* ---- the sweep folder, a diff's folder, the model's pictures ---- */
/* dir (root/rel, rel may be "") holds a sweep's SWEEP.md / a diff's DIFF.md / a lesson's TABLE.md
 * (and no SWEEP.md). */
int rundir_is_sweep(const char *root, const char *rel);
int rundir_is_diff(const char *root, const char *rel);
int rundir_is_lesson(const char *root, const char *rel);
/* name is a picture predict or features drew from a run's model (predict*.png, features-*.png),
 * not a temporary file. */
int rundir_is_model_picture(const char *name);
/* Before a command writes names (NULL-terminated) into dir (created when needed): each must be
 * absent or the suite's (above: the folder's list, or for a folder of an earlier mnistlab its
 * marker, e.g. RUNDIR_SWEEP_MD, NULL for none), else MNL_ERR_CONFIG names the first that is not
 * and nothing is written. Then the folder's list names them all, so a later command may replace
 * them. */
int rundir_claim_outputs(const char *dir, const char *const *names, const char *marker);
/* The same for one file named by its path (predict's and show-data's --out FILE.png). */
int rundir_claim_file(const char *path, const char *marker);
/* Hold a sweep folder for the sweep's whole run (created when needed); MNL_ERR_LOCKED names the
 * process of the sweep that holds it. */
int rundir_take_sweep(DirLock *l, const char *dir);

#endif
