//! The sensor the firmware reads. Here it replays a real excerpt of the
//! sea-temperature series from flash; on a board, [`Replay::read`] is where
//! the driver call goes.

/// Readings replayed from flash, one per call, in order: °C for the float
/// firmware, int16 input codes for the quantized one.
pub struct Replay<T: 'static> {
    readings: &'static [T],
    next: usize,
}

impl<T: Copy> Replay<T> {
    /// A sensor that will return `readings`, oldest first.
    pub const fn new(readings: &'static [T]) -> Self {
        Self { readings, next: 0 }
    }

    /// The next reading, `None` once the excerpt is used up.
    ///
    /// On a board this is the real read, for example an SBE37-style
    /// temperature sensor over UART, or a DS18B20 / TMP117 over 1-Wire or
    /// I2C through its `embedded-hal` driver, converted to °C (or, for the
    /// quantized model, to its input code).
    pub fn read(&mut self) -> Option<T> {
        let reading = self.readings.get(self.next).copied();
        self.next += 1;
        reading
    }
}
