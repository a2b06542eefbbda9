//! Writing and reading weight files: the rnn-core format (see
//! `docs/weight-format.md`) with the scaler, window and horizon in its
//! metadata, written atomically.

use std::io::Write;
use std::path::Path;

use rnn_core::format::{FeatureScale, LayerSpec, Metadata, ScalerKind, MAX_FEATURES};

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

/// Encodes layers, metadata and weight-file-order parameters into a blob.
///
/// # Errors
/// [`TrainError::Model`] with rnn-core's reason: more than 8 layers, a
/// parameter count that differs from the layers' (`Length`), or a header too
/// large.
pub fn encode(specs: &[LayerSpec], metadata: &Metadata, params: &[f32]) -> Result<Vec<u8>> {
    let len = rnn_core::format::encoded_len(specs, Some(metadata))?;
    let mut blob = vec![0u8; len];
    let n = rnn_core::format::encode_raw(specs, Some(metadata), params, &mut blob)?;
    blob.truncate(n);
    Ok(blob)
}

/// Writes `bytes` to `path` atomically: to a temporary file in the same
/// directory, flushed to disk, then renamed over `path`. A crash leaves
/// either the old file or the new one, never a half-written one. Creates
/// missing parent directories.
///
/// # Errors
/// [`TrainError::File`] naming the file that could not be created, written
/// or renamed (the temporary file is removed on failure).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let file_err = |p: &Path| {
        let p = p.to_path_buf();
        move |source| TrainError::File { path: p, source }
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
        let blob = encode(&specs(), &meta, &params).unwrap();
        let checked = rnn_core::format::read_header(&blob).unwrap();
        assert_eq!(checked.header.metadata, Some(meta.clone()));
        assert_eq!(&checked.header.layers[..], &specs()[..]);
        assert_eq!(checked.params().collect::<Vec<_>>(), params);
        assert!(matches!(
            encode(&specs(), &meta, &params[1..]),
            Err(TrainError::Model(rnn_core::Error::Length {
                expected: 11,
                found: 10
            }))
        ));
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
    fn too_many_features_is_an_option_error() {
        let s = FeatureScale {
            shift: 0.0,
            scale: 1.0,
        };
        let e = metadata(ScalerKind::Standard, &[s; 17], &[s], 1, 1).unwrap_err();
        assert!(e.to_string().contains("--input"), "{e}");
    }
}
