//! Private files and directories: every file onboard writes is mode 0600 and
//! every directory it creates is mode 0700 (the data dir holds webhook events,
//! the audit log and the Beyond Identity mapping; the config holds secrets).
//!
//! Use these instead of `std::fs::create_dir_all`, `std::fs::write` and a bare
//! `OpenOptions`:
//! - [`create_private_dir_all`]: creates missing directories with mode 0700
//!   (existing ones are left as they are: they may be shared, like `~/.config`).
//! - [`open_append`]: a 0600 file for appending (a log, a journal).
//! - [`write_atomic`]: a 0600 file written whole through a temp file and a
//!   rename, so a crash never leaves half a file.
//! - [`restrict`]: tightens an existing file that was written too widely.
//!
//! On other platforms than Unix the modes are not applied.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

/// Mode of every file onboard writes.
pub const FILE_MODE: u32 = 0o600;
/// Mode of every directory onboard creates.
pub const DIR_MODE: u32 = 0o700;

/// Creates `dir` and its missing parents with mode 0700.
pub fn create_private_dir_all(dir: &Path) -> io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(DIR_MODE);
    }
    b.create(dir)
}

/// Creates the parent directory of `path` (0700) when it is missing.
pub fn create_parent(path: &Path) -> io::Result<()> {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => create_private_dir_all(p),
        _ => Ok(()),
    }
}

/// Open options that create files with mode 0600.
pub fn private_options() -> OpenOptions {
    let mut opts = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(FILE_MODE);
    }
    opts
}

/// Opens `path` for appending (read too), creating it (0600) and its parent
/// directory (0700). An existing file with a wider mode is tightened to 0600.
pub fn open_append(path: &Path) -> io::Result<File> {
    create_parent(path)?;
    let file = private_options().read(true).append(true).create(true).open(path)?;
    tighten(&file)?;
    Ok(file)
}

/// Writes `bytes` to `path` (mode 0600) through `path.tmp` and a rename, after
/// syncing the data. The parent directory is created (0700) when missing.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    create_parent(path)?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    let mut f = private_options().write(true).create(true).truncate(true).open(&tmp)?;
    tighten(&f)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)
}

/// Sets mode 0600 on an existing file (a no-op when it is already private).
pub fn restrict(path: &Path) -> io::Result<()> {
    tighten(&File::open(path)?)
}

fn tighten(f: &File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = f.metadata()?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            f.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))?;
        }
    }
    #[cfg(not(unix))]
    let _ = f;
    Ok(())
}

/// The permission bits of `path` (`None` when it cannot be read or off Unix).
pub fn mode_of(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).ok().map(|m| m.permissions().mode() & 0o777)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn files_are_0600_and_dirs_0700() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a/b");
        let file = nested.join("f.jsonl");
        let mut f = open_append(&file).unwrap();
        f.write_all(b"x\n").unwrap();
        assert_eq!(mode_of(&file), Some(0o600));
        assert_eq!(mode_of(&nested), Some(0o700));
        assert_eq!(mode_of(&dir.path().join("a")), Some(0o700));

        let whole = nested.join("w.json");
        write_atomic(&whole, b"{}").unwrap();
        assert_eq!(mode_of(&whole), Some(0o600));
        assert_eq!(std::fs::read(&whole).unwrap(), b"{}");

        // A file someone else wrote 0644 is tightened when opened or restricted.
        let wide = dir.path().join("wide");
        std::fs::write(&wide, b"").unwrap();
        std::fs::set_permissions(&wide, std::os::unix::fs::PermissionsExt::from_mode(0o644))
            .unwrap();
        open_append(&wide).unwrap();
        assert_eq!(mode_of(&wide), Some(0o600));
        std::fs::set_permissions(&wide, std::os::unix::fs::PermissionsExt::from_mode(0o640))
            .unwrap();
        restrict(&wide).unwrap();
        assert_eq!(mode_of(&wide), Some(0o600));
    }
}
