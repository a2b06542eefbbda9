//! Sizes of a firmware ELF: its sections and the bytes of one symbol, as
//! `llvm-size -A` and `llvm-nm -S` print them (the `object` crate reads
//! the file).

use std::path::Path;

use object::{Object, ObjectSection, ObjectSymbol};

use crate::error::{Result, TrainError};

/// Bytes of the sections a Cortex-M firmware (cortex-m-rt's `link.x`) puts
/// in flash and RAM, and of its model's weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ElfSizes {
    /// `.vector_table`.
    pub vector_table: u64,
    /// `.text`: code.
    pub text: u64,
    /// `.rodata`: constants, the model's weights among them.
    pub rodata: u64,
    /// `.data`: initialized RAM, whose initial values are in flash too.
    pub data: u64,
    /// `.bss`: zeroed RAM.
    pub bss: u64,
    /// The symbol holding the model's weights (in `.rodata`).
    pub model: u64,
}

impl ElfSizes {
    /// Flash: vector table + text + rodata + data.
    pub fn flash(&self) -> u64 {
        self.vector_table + self.text + self.rodata + self.data
    }

    /// Static RAM: data + bss (the stack comes on top).
    pub fn ram(&self) -> u64 {
        self.data + self.bss
    }
}

/// Reads the section sizes of the ELF at `path` and the size of the
/// symbol whose (legacy-mangled) name starts with `model_symbol`.
///
/// # Errors
/// [`TrainError::File`] when the file cannot be read;
/// [`TrainError::CostBuild`] when it is not an ELF `object` can parse, or
/// has no such symbol (the model was optimized away or renamed).
pub fn sizes(path: &Path, model_symbol: &str) -> Result<ElfSizes> {
    let bytes = std::fs::read(path).map_err(|source| TrainError::File {
        path: path.to_path_buf(),
        source,
    })?;
    let bad = |reason: String| TrainError::CostBuild {
        what: path.display().to_string(),
        reason,
    };
    let file = object::File::parse(&*bytes).map_err(|e| bad(format!("not an ELF: {e}")))?;
    let section = |name: &str| file.section_by_name(name).map_or(0, |s| s.size());
    let model = file
        .symbols()
        .filter(|s| s.name().is_ok_and(|n| n.starts_with(model_symbol)))
        .map(|s| s.size())
        .sum::<u64>();
    if model == 0 {
        return Err(bad(format!(
            "no symbol {model_symbol}… (the model's weights)"
        )));
    }
    Ok(ElfSizes {
        vector_table: section(".vector_table"),
        text: section(".text"),
        rodata: section(".rodata"),
        data: section(".data"),
        bss: section(".bss"),
        model,
    })
}
