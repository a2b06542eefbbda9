//! Peak stack use, measured by painting: `cortex-m-rt`'s `paint-stack`
//! feature fills the whole stack region with `0xCCCC_CCCC` before `main`;
//! the deepest word that no longer holds the paint is the high-water mark.

use cortex_m_rt::STACK_PAINT_VALUE;

extern "C" {
    /// Lowest address of the stack region (end of the statics), from `link.x`.
    static _stack_end: u32;
    /// Initial stack pointer (top of RAM), from `link.x`.
    static _stack_start: u32;
}

/// Bytes of stack used so far at the deepest point, and the stack region's size.
pub fn peak_and_size() -> (usize, usize) {
    let bottom = core::ptr::addr_of!(_stack_end);
    let top = core::ptr::addr_of!(_stack_start);
    let words = (top as usize - bottom as usize) / 4;
    let untouched = (0..words)
        // SAFETY: `bottom + i` for `i < words` lies inside the stack region
        // that `link.x` reserves between `_stack_end` and `_stack_start`;
        // it is aligned to 4 bytes and readable; painted words below the
        // stack pointer are not in use, so a volatile read is sound.
        .take_while(|&i| unsafe { bottom.add(i).read_volatile() } == STACK_PAINT_VALUE)
        .count();
    ((words - untouched) * 4, words * 4)
}
