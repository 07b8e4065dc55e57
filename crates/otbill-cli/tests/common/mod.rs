//! Shared helpers of the CLI tests: run the real binary.

#![allow(dead_code)]

use std::process::{Command, Output};

/// Runs the binary with `args`.
pub fn otbill(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_otbill"))
        .args(args)
        .output()
        .unwrap()
}

/// [`otbill`], which must succeed; its standard output.
pub fn ok(args: &[&str]) -> String {
    let out = otbill(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
