//! The board the firmware was built for, chosen by `build.rs` from the
//! target and features (`board` cfg).

/// What the firmware needs to know about its board.
pub struct Board {
    /// Core name, for the report.
    pub core: &'static str,
    /// `qemu-machine=<name>`: printed at start-up, and read from the ELF by
    /// `scripts/firmware-qemu-run.sh` to pick `qemu-system-arm -machine`.
    pub qemu_machine: &'static str,
    /// Frequency of the clock SysTick counts with `CLKSOURCE = core`, in Hz:
    /// QEMU's SYSCLK of the board (`hw/arm/mps2.c`: 25 MHz; `hw/arm/nrf51_soc.c`:
    /// HCLK 16 MHz). Under `-icount shift=0` one instruction takes 1 ns, so a
    /// SysTick tick is `1e9 / systick_hz` instructions.
    pub systick_hz: u32,
}

/// Cortex-M4F on QEMU's `mps2-an386`.
#[cfg(board = "mps2-an386")]
pub const BOARD: Board = Board {
    core: "Cortex-M4F (thumbv7em-none-eabihf)",
    qemu_machine: "qemu-machine=mps2-an386",
    systick_hz: 25_000_000,
};

/// Cortex-M7 on QEMU's `mps2-an500`.
#[cfg(board = "mps2-an500")]
pub const BOARD: Board = Board {
    core: "Cortex-M7 (thumbv7em-none-eabihf)",
    qemu_machine: "qemu-machine=mps2-an500",
    systick_hz: 25_000_000,
};

/// Cortex-M0 (nRF51822, no FPU) on QEMU's `microbit`.
#[cfg(board = "microbit")]
pub const BOARD: Board = Board {
    core: "Cortex-M0 (thumbv6m-none-eabi, soft float)",
    qemu_machine: "qemu-machine=microbit",
    systick_hz: 16_000_000,
};

/// STM32F407VG (Cortex-M4F) on an STM32F4DISCOVERY, flashed with probe-rs.
/// SysTick counts the 16 MHz HSI clock the chip starts on (RM0090 6.2.2);
/// on silicon ticks are cycles, which [`crate::cost::Counter`] detects.
#[cfg(board = "stm32f407")]
pub const BOARD: Board = Board {
    core: "Cortex-M4F (STM32F407VG, STM32F4DISCOVERY)",
    qemu_machine: "qemu-machine=none (real board, probe-rs)",
    systick_hz: 16_000_000,
};

/// nRF52840 (Cortex-M4F) on an nRF52840-DK, flashed with probe-rs. The CPU
/// runs at 64 MHz (product specification 4.1).
#[cfg(board = "nrf52840")]
pub const BOARD: Board = Board {
    core: "Cortex-M4F (nRF52840, nRF52840-DK)",
    qemu_machine: "qemu-machine=none (real board, probe-rs)",
    systick_hz: 64_000_000,
};
