// hostile-expect: exited
// hostile-levels: bubblewrap
// hostile-prescan: block
use std::fs;

fn main() {
    for path in ["/etc/shadow", "/root/.bashrc"] {
        match fs::read_to_string(path) {
            Ok(text) => println!("ESCAPED: {} {}", path, &text[..text.len().min(40)]),
            Err(err) => println!("refused {} {}", path, err),
        }
    }
}
