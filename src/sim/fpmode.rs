//! Subnormal floating-point numbers treated as zero while a replication runs.
//!
//! Numbers below 2.2e-308 ("subnormal") make every x86 floating-point operation that touches
//! them take a slow microcode path, often 100× slower. A simulated year can produce them from
//! legitimate inputs — a dead SKU's forecast that decays towards zero, an order quantity of a
//! few millionths of a unit multiplied and divided by small rates — and then one SKU costs as
//! much as hundreds. [`FlushSubnormals`] sets the SSE control register's flush-to-zero and
//! denormals-are-zero bits for the current thread while it lives and restores the previous
//! state when dropped; a subnormal then reads and writes as 0, which for units, days and
//! costs is exact to far below anything printed. Every replication runs under it on every
//! thread, so results stay identical at any thread count. On other architectures it does
//! nothing.

/// Flush-to-zero (bit 15) and denormals-are-zero (bit 6) of MXCSR.
#[cfg(target_arch = "x86_64")]
const FTZ_DAZ: u32 = 0x8040;

/// While alive, the current thread treats subnormal numbers as zero (see the module docs).
#[derive(Debug)]
pub struct FlushSubnormals {
    #[cfg(target_arch = "x86_64")]
    saved: u32,
}

impl FlushSubnormals {
    /// Sets flush-to-zero and denormals-are-zero; the previous mode returns on drop.
    #[cfg(target_arch = "x86_64")]
    pub fn new() -> Self {
        let mut saved: u32 = 0;
        // SAFETY: `stmxcsr` stores the 32-bit SSE control/status register to the address
        // given, which is a valid, aligned, writable u32 on this stack frame.
        unsafe {
            std::arch::asm!("stmxcsr [{}]", in(reg) &mut saved, options(nostack, preserves_flags));
        }
        let set = saved | FTZ_DAZ;
        // SAFETY: `ldmxcsr` loads a valid MXCSR value (the current one with two mode bits
        // set; no reserved bit is touched) from a valid, aligned u32.
        unsafe {
            std::arch::asm!("ldmxcsr [{}]", in(reg) &set, options(nostack, preserves_flags, readonly));
        }
        Self { saved }
    }

    /// Does nothing on this architecture.
    #[cfg(not(target_arch = "x86_64"))]
    pub fn new() -> Self {
        Self {}
    }
}

impl Default for FlushSubnormals {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for FlushSubnormals {
    fn drop(&mut self) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: restores the value `stmxcsr` read in `new`, a valid MXCSR value.
        unsafe {
            std::arch::asm!("ldmxcsr [{}]", in(reg) &self.saved, options(nostack, preserves_flags, readonly));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnormals_are_zero_only_while_the_guard_lives() {
        let product = || std::hint::black_box(1e-300_f64) * std::hint::black_box(1e-10_f64);
        assert!(product() > 0.0, "subnormal results exist normally");
        {
            let _guard = FlushSubnormals::new();
            if cfg!(target_arch = "x86_64") {
                assert_eq!(product().to_bits(), 0.0_f64.to_bits());
            }
            // Normal numbers are untouched.
            let normal = std::hint::black_box(1.5_f64) * 2.0;
            assert_eq!(normal.to_bits(), 3.0_f64.to_bits());
        }
        assert!(product() > 0.0, "the previous mode is restored");
    }
}
