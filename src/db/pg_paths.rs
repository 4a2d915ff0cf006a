//! Where the private cluster and its socket live, and who may enter them.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::private_pg::{PORT, PrivatePgError, RunAs, io_err};

/// Unix socket paths are limited to 107 bytes.
const MAX_SOCKET_PATH: usize = 100;

/// The server user must be able to enter every folder above the data directory. A root
/// checkout under /root is not: then the cluster goes to /var/lib/plan-portal instead, and
/// the log says so.
pub(super) fn choose_data_dir(requested: &Path, run_as: RunAs) -> Result<PathBuf, PrivatePgError> {
    let absolute = if requested.is_absolute() {
        requested.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(io_err(requested))?
            .join(requested)
    };
    if !run_as.switch || reachable_by(&absolute, run_as) {
        return Ok(absolute);
    }
    let tag: String = absolute
        .to_string_lossy()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let fallback = Path::new("/var/lib/plan-portal").join(tag.trim_matches('-'));
    tracing::warn!(
        requested = %absolute.display(),
        used = %fallback.display(),
        "the postgres user cannot enter the requested data directory's parents; \
         using a directory it can reach (choose one with --data-dir)"
    );
    Ok(fallback)
}

fn reachable_by(path: &Path, who: RunAs) -> bool {
    path.ancestors().skip(1).all(|dir| match fs::metadata(dir) {
        Ok(m) => {
            let mode = m.permissions().mode();
            (m.uid() == who.uid && mode & 0o100 != 0)
                || (m.gid() == who.gid && mode & 0o010 != 0)
                || mode & 0o001 != 0
        }
        // Not created yet: create_dir_all makes it 0755.
        Err(_) => true,
    })
}

pub(super) fn prepare_dir(dir: &Path, run_as: RunAs) -> Result<(), PrivatePgError> {
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    if run_as.switch {
        std::os::unix::fs::chown(dir, Some(run_as.uid), Some(run_as.gid)).map_err(io_err(dir))?;
    }
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io_err(dir))
}

pub(super) fn socket_dir_for(data_dir: &Path, run_as: RunAs) -> Result<PathBuf, PrivatePgError> {
    let socket_name = format!(".s.PGSQL.{PORT}");
    if data_dir.join(&socket_name).as_os_str().len() <= MAX_SOCKET_PATH {
        return Ok(data_dir.to_path_buf());
    }
    // Too long for a socket path: a short private folder named after this cluster.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in data_dir.as_os_str().as_encoded_bytes() {
        hash = (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    }
    let dir = std::env::temp_dir().join(format!("plan-portal-pg-{hash:016x}"));
    // The name is predictable and /tmp is shared: never follow what someone else put there.
    match fs::symlink_metadata(&dir) {
        Ok(m) if m.file_type().is_dir() && m.uid() == run_as.uid => {}
        Ok(_) => {
            return Err(PrivatePgError::Io {
                path: dir,
                source: std::io::Error::other(
                    "exists but is not a folder owned by the server's user",
                ),
            });
        }
        Err(_) => {
            fs::create_dir(&dir).map_err(io_err(&dir))?;
            if run_as.switch {
                std::os::unix::fs::lchown(&dir, Some(run_as.uid), Some(run_as.gid))
                    .map_err(io_err(&dir))?;
            }
        }
    }
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).map_err(io_err(&dir))?;
    Ok(dir)
}
