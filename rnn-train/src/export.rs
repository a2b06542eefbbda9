//! Writing and reading weight files: the rnn-core format (see
//! `docs/weight-format.md`) with the scaler, window and horizon in its
//! metadata, written atomically.

use std::io::Write;
use std::path::Path;

use rnn_core::format::{DataContract, FeatureScale, LayerSpec, Metadata, ScalerKind, MAX_FEATURES};

use crate::error::{Result, TrainError};

/// The preprocessing record saved with a model.
///
/// # Errors
/// [`TrainError::InvalidOption`] for more than
/// [`MAX_FEATURES`] input or target columns, or a window or horizon over
/// `u32::MAX`.
pub fn metadata(
    scaler: ScalerKind,
    inputs: &[FeatureScale],
    targets: &[FeatureScale],
    window: usize,
    horizon: usize,
) -> Result<Metadata> {
    let too_many = |option| TrainError::InvalidOption {
        option,
        reason: format!("a weight file holds at most {MAX_FEATURES} columns"),
    };
    let too_long = |option| TrainError::InvalidOption {
        option,
        reason: "must fit in 32 bits".to_string(),
    };
    Ok(Metadata {
        scaler,
        inputs: heapless::Vec::from_slice(inputs).map_err(|_| too_many("--input"))?,
        targets: heapless::Vec::from_slice(targets).map_err(|_| too_many("--target"))?,
        window: u32::try_from(window).map_err(|_| too_long("--window"))?,
        horizon: u32::try_from(horizon).map_err(|_| too_long("--horizon"))?,
    })
}

/// Encodes layers, metadata, the data contract (if given) and
/// weight-file-order parameters into a blob (weight format version 4).
///
/// # Errors
/// [`TrainError::Model`] with rnn-core's reason: more than 8 layers, a
/// parameter count that differs from the layers' (`Length`), or a header too
/// large.
pub fn encode(
    specs: &[LayerSpec],
    metadata: &Metadata,
    contract: Option<&DataContract>,
    params: &[f32],
) -> Result<Vec<u8>> {
    use rnn_core::format::{encode_raw_with_contract, encoded_len_with_contract};
    let len = encoded_len_with_contract(specs, Some(metadata), contract)?;
    let mut blob = vec![0u8; len];
    let n = encode_raw_with_contract(specs, Some(metadata), contract, params, &mut blob)?;
    blob.truncate(n);
    Ok(blob)
}

/// [`encode`] for a sequence-to-sequence model (an output at every
/// timestep): weight format version 5, with the header's
/// `sequence_output` set (`docs/weight-format.md`).
///
/// # Errors
/// Those of [`encode`].
pub fn encode_sequence(
    specs: &[LayerSpec],
    metadata: &Metadata,
    contract: Option<&DataContract>,
    params: &[f32],
) -> Result<Vec<u8>> {
    use rnn_core::format::{encode_raw_sequence, encoded_len_sequence};
    let len = encoded_len_sequence(specs, Some(metadata), contract)?;
    let mut blob = vec![0u8; len];
    let n = encode_raw_sequence(specs, Some(metadata), contract, params, &mut blob)?;
    blob.truncate(n);
    Ok(blob)
}

/// Writes `bytes` to `path` atomically: to a temporary file in the same
/// directory, flushed to disk, then renamed over `path`. A crash leaves
/// either the old file or the new one, never a half-written one. Creates
/// missing parent directories.
///
/// A `path` that is a device, FIFO or socket (`/dev/null`, `/dev/stdout`,
/// a named pipe; also through symbolic links) is written in place, as a
/// stream: a rename would replace it with a regular file. A symbolic link
/// to a regular file stays a link: the file it points to is replaced.
///
/// # Errors
/// [`TrainError::File`] naming the file that could not be created, written
/// or renamed (the temporary file is removed on failure).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    // `metadata` follows links: the kind of what would be written.
    if let Ok(meta) = std::fs::metadata(path) {
        if !meta.is_file() && !meta.is_dir() {
            return std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .and_then(|mut f| f.write_all(bytes))
                .map_err(file_err(path));
        }
    }
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if is_link {
        replace_file(&std::fs::canonicalize(path).map_err(file_err(path))?, bytes)
    } else {
        replace_file(path, bytes)
    }
}

/// The [`TrainError::File`] of an I/O error on `p`.
fn file_err(p: &Path) -> impl FnOnce(std::io::Error) -> TrainError {
    let p = p.to_path_buf();
    move |source| TrainError::File { path: p, source }
}

/// [`write_atomic`] for a path that is a regular file or does not exist.
fn replace_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(file_err(dir))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    })()
    .map_err(file_err(&tmp))
    .and_then(|()| std::fs::rename(&tmp, path).map_err(file_err(path)));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Checks, before any training time is spent, that `dir` can hold the
/// outputs: it is a directory (or does not exist yet, inside a directory)
/// and a file can be created in it (or in its nearest existing ancestor).
/// The probe file is removed again; nothing is created otherwise.
///
/// # Errors
/// [`TrainError::OutputDir`] saying what is wrong: `dir` (or an ancestor)
/// is a file or device, or the directory cannot be written.
pub fn check_output_dir(dir: &Path) -> Result<()> {
    let refuse = |reason: String| TrainError::OutputDir {
        path: dir.to_path_buf(),
        reason,
    };
    let mut existing = dir;
    loop {
        match std::fs::metadata(existing) {
            Ok(m) if m.is_dir() => break,
            Ok(m) => {
                let what = if m.is_file() {
                    "a file"
                } else {
                    "a device or other special file"
                };
                return Err(refuse(if existing == dir {
                    format!("is {what}, not a directory")
                } else {
                    format!(
                        "is inside {}, which is {what}, not a directory",
                        existing.display()
                    )
                }));
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                existing = match existing.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p,
                    _ => Path::new("."),
                };
            }
            Err(e) => return Err(refuse(format!("cannot be read: {e}"))),
        }
    }
    let probe = existing.join(format!(".rnn-train-probe{}", std::process::id()));
    match std::fs::File::create_new(&probe) {
        Ok(_) => std::fs::remove_file(&probe)
            .map_err(|e| refuse(format!("cannot write to {}: {e}", existing.display()))),
        Err(e) => Err(refuse(format!(
            "cannot be written: cannot write to {}: {e}",
            existing.display()
        ))),
    }
}

/// Writes CSV `records` (the first is the header) to `path` atomically
/// with [`write_atomic`].
///
/// # Errors
/// Those of [`write_atomic`].
pub fn write_csv(path: &Path, records: &[Vec<String>]) -> Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in records {
        w.write_record(r)?;
    }
    let bytes = w.into_inner().map_err(|e| TrainError::File {
        path: path.to_path_buf(),
        source: e.into_error(),
    })?;
    write_atomic(path, &bytes)
}

/// Reads a weight file whole.
///
/// # Errors
/// [`TrainError::File`] if it cannot be read.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| TrainError::File {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rnn_core::Activation;

    fn specs() -> [LayerSpec; 2] {
        [
            LayerSpec::SimpleRnn {
                input_size: 1,
                hidden_size: 2,
                activation: Activation::Tanh,
                use_bias: true,
            },
            LayerSpec::Dense {
                input_size: 2,
                output_size: 1,
                activation: Activation::Linear,
                use_bias: true,
            },
        ]
    }

    #[test]
    fn blob_round_trips_through_rnn_core_read_header() {
        let scale = FeatureScale {
            shift: 3.5,
            scale: 18.5,
        };
        let meta = metadata(ScalerKind::MinMax, &[scale], &[scale], 24, 1).unwrap();
        let params: Vec<f32> = (0..11).map(|i| i as f32 * 0.25 - 1.0).collect();
        let blob = encode(&specs(), &meta, None, &params).unwrap();
        let checked = rnn_core::format::read_header(&blob).unwrap();
        assert_eq!(checked.header.metadata, Some(meta.clone()));
        assert_eq!(&checked.header.layers[..], &specs()[..]);
        assert_eq!(checked.params().collect::<Vec<_>>(), params);
        assert!(matches!(
            encode(&specs(), &meta, None, &params[1..]),
            Err(TrainError::Model(rnn_core::Error::Length {
                expected: 11,
                found: 10
            }))
        ));
    }

    #[test]
    fn atomic_write_streams_into_devices_and_keeps_links() {
        // A device stays a device (a rename would make it a regular file).
        let null = Path::new("/dev/null");
        write_atomic(null, b"discarded").unwrap();
        assert!(!std::fs::metadata(null).unwrap().is_file());
        // A link to a regular file stays a link; its target is replaced.
        let dir = std::env::temp_dir().join(format!("rnn-train-link-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (target, link) = (dir.join("target.csv"), dir.join("link.csv"));
        std::fs::write(&target, b"old").unwrap();
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("rnn-train-export-{}", std::process::id()));
        let path = dir.join("sub").join("m.rnnw");
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(read(&path).unwrap(), b"second");
        let names: Vec<_> = std::fs::read_dir(dir.join("sub"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["m.rnnw"]);
        // A directory in the way: the error names the file, nothing is left behind.
        let e = write_atomic(&dir.join("sub"), b"x").unwrap_err();
        assert!(matches!(e, TrainError::File { .. }), "{e:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn output_dir_is_checked_without_creating_anything() {
        let dir = std::env::temp_dir().join(format!("rnn-train-outdir-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        check_output_dir(&dir.join("new/deeper")).unwrap();
        assert!(!dir.join("new").exists());
        let file = dir.join("afile");
        std::fs::write(&file, "keep").unwrap();
        let e = check_output_dir(&file).unwrap_err().to_string();
        assert!(e.ends_with("afile is a file, not a directory"), "{e}");
        let e = check_output_dir(&file.join("sub")).unwrap_err().to_string();
        assert!(e.contains("which is a file, not a directory"), "{e}");
        let e = check_output_dir(Path::new("/dev/null"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("/dev/null is a device"), "{e}");
        let names: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(names.len(), 1, "only afile is left");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn too_many_features_is_an_option_error() {
        let s = FeatureScale {
            shift: 0.0,
            scale: 1.0,
        };
        let e = metadata(ScalerKind::Standard, &[s; 17], &[s], 1, 1).unwrap_err();
        assert!(e.to_string().contains("--input"), "{e}");
    }
}
