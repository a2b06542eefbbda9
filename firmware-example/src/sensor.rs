//! The sensor the firmware reads. Here it replays a real excerpt of the
//! sea-temperature series from flash; on a board, [`Replay::read`] is where
//! the driver call goes.

/// Readings replayed from flash, one per call, in order.
pub struct Replay {
    readings: &'static [f32],
    next: usize,
}

impl Replay {
    /// A sensor that will return `readings` (°C), oldest first.
    pub const fn new(readings: &'static [f32]) -> Self {
        Self { readings, next: 0 }
    }

    /// The next reading in °C, `None` once the excerpt is used up.
    ///
    /// On a board this is the real read, for example an SBE37-style
    /// temperature sensor over UART, or a DS18B20 / TMP117 over 1-Wire or
    /// I2C through its `embedded-hal` driver, converted to °C.
    pub fn read(&mut self) -> Option<f32> {
        let reading = self.readings.get(self.next).copied();
        self.next += 1;
        reading
    }
}
