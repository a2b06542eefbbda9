//! Weight updates loaded at run time from a flash region, the way a device
//! takes new weights without new firmware.
//!
//! Each slot below stands for the flash area an update was written to (by a
//! bootloader, or an OTA task). [`rnn_core::format::load_into`] checks the
//! blob (magic, version, lengths, CRC-32, architecture against [`Model`],
//! finite weights) before it writes anything into the RAM model, so a bad
//! blob is reported with its typed error and the firmware goes on with the
//! model it has.

use firmware_model::{Model, BLOB};
use rnn_core::format::Metadata;
use rnn_core::{Error, Layer};
use static_cell::ConstStaticCell;

/// Sized byte array holding a file from `OUT_DIR`, as one flash symbol.
macro_rules! blob {
    ($name:ident, $file:literal, $doc:literal) => {
        #[doc = $doc]
        static $name: [u8; include_bytes!(concat!(env!("OUT_DIR"), "/", $file)).len()] =
            *include_bytes!(concat!(env!("OUT_DIR"), "/", $file));
    };
}

blob!(
    CORRUPTED,
    "update_corrupted.rnnw",
    "The model's own blob with one parameter byte flipped (by `build.rs`)."
);
blob!(
    OTHER_ARCHITECTURE,
    "update_other_architecture.rnnw",
    "A valid blob for a model whose first layer has one more unit (by `build.rs`)."
);

/// One update slot and the outcome the demo expects from it.
pub struct Slot {
    /// What the slot holds.
    pub name: &'static str,
    /// The blob, in flash.
    pub blob: &'static [u8],
    /// Whether `load_into`'s result is the expected one.
    pub expected: fn(&Result<Option<Metadata>, Error>) -> bool,
}

/// The slots tried, bad ones first, the good one last.
pub fn slots() -> [Slot; 4] {
    [
        Slot {
            name: "corrupted (one flipped bit)",
            blob: &CORRUPTED,
            expected: |r| matches!(r, Err(Error::Checksum { .. })),
        },
        Slot {
            name: "truncated (transfer stopped half-way)",
            blob: BLOB.get(..BLOB.len() / 2).unwrap_or_default(),
            expected: |r| matches!(r, Err(Error::Truncated { .. })),
        },
        Slot {
            name: "another architecture",
            blob: &OTHER_ARCHITECTURE,
            expected: |r| matches!(r, Err(Error::ArchitectureMismatch { .. })),
        },
        Slot {
            name: "valid (the built-in model's blob)",
            blob: &BLOB,
            expected: |r| matches!(r, Ok(Some(_))),
        },
    ]
}

/// Loads `slot` into `storage` (RAM). On error `storage` is unchanged.
///
/// # Errors
/// Every error of [`rnn_core::format::load_into`].
pub fn load(storage: &mut Model, slot: &Slot) -> Result<Option<Metadata>, Error> {
    rnn_core::format::load_into(storage, slot.blob)
}

/// The RAM model an update is loaded into.
static STORAGE: ConstStaticCell<Model> = ConstStaticCell::new(Model::ZEROED);

/// RAM storage for an updated model: a `static` initialised at compile time
/// (all-zero weights, in `.bss`), never built on the stack. It is used only
/// after a blob has loaded into it. `None` after the first call.
pub fn storage() -> Option<&'static mut Model> {
    STORAGE.try_take()
}
