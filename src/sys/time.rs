//! Clocks and timed waits.
use super::{sc2, sc4, sc5, Fd, Result};
use linux_raw_sys::general::{__kernel_timespec, CLOCK_MONOTONIC};
use syscalls::Sysno;

/// clock_gettime(CLOCK_MONOTONIC) in microseconds.
pub fn now_us() -> u64 {
    let mut ts = __kernel_timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    let _ = sc2(
        Sysno::clock_gettime,
        CLOCK_MONOTONIC as usize,
        &mut ts as *mut _ as usize,
    );
    ts.tv_sec as u64 * 1_000_000 + ts.tv_nsec as u64 / 1000
}

/// ppoll(2) for readability of one descriptor; `Ok(false)` on timeout.
/// `timeout_us` of `None` waits forever. EINTR is reported as `Ok(false)`.
pub fn wait_readable(fd: &Fd, timeout_us: Option<u64>) -> Result<bool> {
    #[repr(C)]
    struct PollFd {
        fd: i32,
        events: i16,
        revents: i16,
    }
    let mut p = PollFd {
        fd: fd.raw(),
        events: 1,
        revents: 0,
    };
    let ts = timeout_us.map(|us| __kernel_timespec {
        tv_sec: (us / 1_000_000) as i64,
        tv_nsec: ((us % 1_000_000) * 1000) as i64,
    });
    let tsp = ts.as_ref().map_or(0, |t| t as *const _ as usize);
    match sc5(Sysno::ppoll, &mut p as *mut PollFd as usize, 1, tsp, 0, 8) {
        Ok(n) => Ok(n > 0),
        Err(super::Errno::EINTR) => Ok(false),
        Err(e) => Err(e),
    }
}

/// clock_nanosleep(CLOCK_MONOTONIC) for `us` microseconds (less if a signal interrupts it).
pub fn sleep_us(us: u64) {
    let ts = __kernel_timespec {
        tv_sec: (us / 1_000_000) as i64,
        tv_nsec: ((us % 1_000_000) * 1000) as i64,
    };
    let _ = sc4(
        Sysno::clock_nanosleep,
        CLOCK_MONOTONIC as usize,
        0,
        &ts as *const _ as usize,
        0,
    );
}
