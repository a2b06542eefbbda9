//! A checkpoint written before recurrent layers had their own cells (by
//! rnn-train at commit 944c2ae, one `cell` for every layer) still resumes:
//! the resumed run writes the same weight file, bit for bit, as the same
//! options trained at once (f64, so no vector kernel moves the bits).
//!
//! `testdata/checkpoints/v2_gru3_gru2_before_per_layer_cells.rnnt` was made
//! in a directory holding `d.csv` of [`series`] with
//! `rnn-train train d.csv -i v -t v -w 5 --cell gru -u 3,2 --epochs 1
//! --precision f64 --threads 1 --no-plots -o out`.

use crate::binary::run_binary;
use crate::temp_dir::TempDir;

const CHECKPOINT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testdata/checkpoints/v2_gru3_gru2_before_per_layer_cells.rnnt"
);

/// The CSV the checkpoint was trained on.
fn series() -> String {
    let mut s = String::from("t,v\n");
    for i in 0..120 {
        s.push_str(&format!("{i},{:.4}\n", (i as f64 * 0.3).sin()));
    }
    s
}

/// `train` with the checkpoint's options, `epochs` in all, into `out`.
fn train(dir: &TempDir, out: &str, epochs: &str, extra: &[&str]) {
    let mut args = vec![
        "train",
        "d.csv",
        "-i",
        "v",
        "-t",
        "v",
        "-w",
        "5",
        "--cell",
        "gru",
        "-u",
        "3,2",
        "--epochs",
        epochs,
        "--precision",
        "f64",
        "--threads",
        "1",
        "--no-plots",
        "-o",
        out,
    ];
    args.extend_from_slice(extra);
    let (ok, _, stderr) = run_binary(&dir.0, &args);
    assert!(ok, "{args:?}: {stderr}");
}

#[test]
fn a_checkpoint_from_before_per_layer_cells_resumes() {
    let dir = TempDir::new("old-checkpoint");
    dir.file("d.csv", &series());
    train(&dir, "resumed", "2", &["--resume", CHECKPOINT]);
    train(&dir, "at-once", "2", &[]);
    let model = |out: &str| std::fs::read(dir.0.join(out).join("model.rnnw")).expect("written");
    assert_eq!(model("resumed"), model("at-once"));
}
