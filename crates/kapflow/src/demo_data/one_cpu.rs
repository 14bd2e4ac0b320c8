//! demo-data's load is one long back-and-forth between the loading task and the database
//! connection's worker thread: never both busy at once. On one CPU each hand-over is a plain
//! switch; across two it is a wake-up of the other CPU, which on a virtual machine made a load
//! three to four times slower (measured: 200 clients in 16 s spread, 6 s on one CPU). So the
//! process keeps to the CPU it started on, before it starts any thread (they inherit it).

/// Keeps this thread, and the threads it starts from now on, to one CPU it may run on. Does
/// nothing where that cannot be done: the load is then only slower.
#[cfg(target_os = "linux")]
pub fn keep_to_one_cpu() {
    use rustix::thread::{CpuSet, sched_getaffinity, sched_getcpu, sched_setaffinity};
    let Ok(allowed) = sched_getaffinity(None) else {
        return;
    };
    let here = sched_getcpu();
    let cpu = if here < CpuSet::MAX_CPU && allowed.is_set(here) {
        Some(here)
    } else {
        (0..CpuSet::MAX_CPU).find(|&c| allowed.is_set(c))
    };
    if let Some(cpu) = cpu {
        let mut one = CpuSet::new();
        one.set(cpu);
        if let Err(e) = sched_setaffinity(None, &one) {
            tracing::debug!(error = %e, "demo-data runs on every CPU");
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub fn keep_to_one_cpu() {}
