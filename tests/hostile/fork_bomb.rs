// hostile-expect: process_limit, timeout, exited, cpu_limit
// hostile-levels: bubblewrap
// hostile-prescan: block
use std::process::Command;
use std::time::{Duration, Instant};

fn main() {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut children = Vec::new();
    loop {
        if Instant::now() > deadline {
            break;
        }
        match Command::new("/bin/sleep").arg("60").spawn() {
            Ok(child) => children.push(child),
            Err(err) => {
                eprintln!("spawn failed: {}", err);
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
}
