//! Zeroed models on the heap without a stack copy (feature `std`).
#![allow(unsafe_code)]

use std::boxed::Box;

use crate::layer::Layer;

/// A model of type `L` with every byte zero ([`Layer::ZEROED`]), allocated
/// zeroed directly on the heap: the model is never built on the stack,
/// which matters for large layers (`Lstm<1, 128>` is 266,244 bytes) and
/// threads with small stacks. Load weights into it with
/// [`format::load_into`](crate::format::load_into).
///
/// Source: `Box::new_zeroed` (the allocator's `alloc_zeroed`).
///
/// # Panics
/// Never; aborts the process if the allocation fails, as `Box::new` does.
pub fn boxed_zeroed<L: Layer>() -> Box<L> {
    let zeroed = Box::<L>::new_zeroed();
    // SAFETY: `Layer` is sealed; its implementors are this crate's layers and
    // stacks of them, whose fields are f32 matrices and vectors, `bool`s and
    // `Activation` (`repr(u8)`, `Linear = 0`): all-zero bytes are a valid
    // value of each (the value `L::ZEROED`, checked by the tests).
    unsafe { zeroed.assume_init() }
}
