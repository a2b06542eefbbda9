//! The device-interrupt part of the vector table: one entry.
//!
//! Without its `device` feature, `cortex-m-rt` fills the table with 240
//! device interrupts on ARMv7-M (960 bytes of flash) and 32 on ARMv6-M;
//! these firmwares enable none (the sample timer of a product can be
//! SysTick, a core exception, whose entry is always there), so they keep
//! the one entry the linker script asks for (`SIZEOF(.vector_table) >
//! 0x40`), bound to `DefaultHandler`. `build.rs` writes the empty
//! `device.x` that the feature's linker script includes.
//!
//! A product that uses its chip's interrupts takes the device crate (PAC)
//! with its `rt` feature instead: it provides `__INTERRUPTS` and
//! `device.x`, so this module and the `device.x` lines of `build.rs` go
//! (then `cargo clean` once: an empty `device.x` left in the build folder
//! hides the PAC's).

/// A vector table entry.
type Vector = unsafe extern "C" fn();

unsafe extern "C" {
    /// `cortex-m-rt`'s default handler (or the firmware's own).
    fn DefaultHandler();
}

/// Device interrupt 0, the only one: `DefaultHandler`.
#[unsafe(link_section = ".vector_table.interrupts")]
#[unsafe(no_mangle)]
static __INTERRUPTS: [Vector; 1] = [DefaultHandler];
