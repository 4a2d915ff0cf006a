//! Memory that a burst takes is given back when the burst is over.
//!
//! Each password check allocates one 19 MiB block (argon2's memory cost). glibc serves
//! blocks that large with `mmap` at first, but it raises its `mmap` threshold each time such a
//! block is freed, so later blocks come from the heap arenas, which are seldom trimmed: after
//! a burst of failed logins the process kept hundreds of MiB. A fixed threshold keeps every
//! block over 1 MiB on its own mapping, returned to the system as soon as it is freed.

/// Blocks at least this large get their own mapping.
const MMAP_THRESHOLD: i32 = 1024 * 1024;

/// Fixes the allocator's `mmap` threshold; call once at start, before the threads start.
pub fn return_large_blocks_promptly() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only sets allocator parameters; it is safe to call at any time, and
        // this runs before the runtime starts other threads.
        unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_threshold_is_accepted() {
        if cfg!(all(target_os = "linux", target_env = "gnu")) {
            assert!(super::return_large_blocks_promptly());
        }
    }
}
