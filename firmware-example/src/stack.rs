//! Stack use, measured by painting: `cortex-m-rt`'s `paint-stack` feature
//! fills the whole stack region with `0xCCCC_CCCC` before `main`; the
//! deepest word that no longer holds the paint is the high-water mark.
//! [`repaint`] paints the free part again, to measure one piece of code.

use cortex_m_rt::STACK_PAINT_VALUE;

extern "C" {
    /// Lowest address of the stack region (end of the statics), from `link.x`.
    static _stack_end: u32;
    /// Initial stack pointer (top of RAM), from `link.x`.
    static _stack_start: u32;
}

fn bottom() -> *mut u32 {
    core::ptr::addr_of!(_stack_end).cast_mut()
}

/// Address of the deepest stack word written since the last painting.
pub fn deepest() -> usize {
    let bottom = bottom();
    let words = (core::ptr::addr_of!(_stack_start) as usize - bottom as usize) / 4;
    let untouched = (0..words)
        // SAFETY: `bottom + i` for `i < words` lies inside the stack region
        // that `link.x` reserves between `_stack_end` and `_stack_start`,
        // 4-byte aligned and readable; a volatile read of it is sound.
        .take_while(|&i| unsafe { bottom.add(i).read_volatile() } == STACK_PAINT_VALUE)
        .count();
    bottom as usize + untouched * 4
}

/// Bytes of stack used at the deepest point since the last painting, and
/// the size of the stack region.
pub fn peak_and_size() -> (usize, usize) {
    let top = core::ptr::addr_of!(_stack_start) as usize;
    (top - deepest(), top - bottom() as usize)
}

/// Bytes just below the stack pointer that [`repaint`] leaves alone: its
/// own frame (saved registers) may be pushed there after it reads the
/// stack pointer.
const REPAINT_GUARD: usize = 64;

/// Paints the stack below the current stack pointer again (all but the
/// [`REPAINT_GUARD`] bytes next to it). Afterwards `sp - deepest()`, with
/// `sp` read before this call, is the stack the code run in between used
/// (if that is more than the guard).
#[inline(never)]
pub fn repaint() {
    let sp = cortex_m::register::msp::read() as usize;
    let bottom = bottom();
    let words = sp.saturating_sub(REPAINT_GUARD + bottom as usize) / 4;
    for i in 0..words {
        // SAFETY: the words from `_stack_end` up to `REPAINT_GUARD` bytes
        // below this function's entry stack pointer are inside the stack
        // region and below every live frame, including this function's
        // saved registers (the stack grows down, frames here are far smaller
        // than the guard, and no interrupt is enabled), so nothing reads
        // them; they are 4-byte aligned and writable.
        unsafe { bottom.add(i).write_volatile(STACK_PAINT_VALUE) };
    }
}
