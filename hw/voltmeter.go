package hw

// Voltmeter is implemented by a LineSensor (or any helper beside it) that
// measures the lines' DC tip–ring voltage, such as an ADC on each line
// (hw/periph). The engine reads it for the technician's diagnostics and to
// tell a dead line (about 0 V: the battery or the tap is gone).
type Voltmeter interface {
	// LineVoltage returns the latest tip–ring voltage of line (the 0-based
	// index of the configured lines) and true, or false when the line has
	// no voltage input or no reading yet. It must be safe to call from any
	// goroutine and must not block.
	LineVoltage(line int) (volts float64, ok bool)
}
