//! Where a result set's files go: into a zip (deflate only, every entry dated 1980-01-01 with
//! mode 0644, so the same files make the same bytes), or nowhere, only hashed (to learn a
//! result set's manifest hash at publication without writing it). Either way each file's
//! SHA-256 and size are recorded for the manifest as it is written.

use std::io::{self, Seek, Write};

use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// A file written, as the manifest lists it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

pub struct Archive<W: Write + Seek> {
    zip: Option<ZipWriter<W>>,
    pub files: Vec<FileEntry>,
}

/// Deflate is the one method every unzip tool reads (Windows Explorer, macOS, WPS, R's
/// `unzip()`); the others the format allows (bzip2, zstd, LZMA) are not universally supported.
fn options() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644)
}

struct Tee<'a, W: Write + Seek> {
    zip: Option<&'a mut ZipWriter<W>>,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write + Seek> Write for Tee<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = match self.zip.as_mut() {
            Some(zip) => zip.write(buf)?,
            None => buf.len(),
        };
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.zip.as_mut() {
            Some(zip) => zip.flush(),
            None => Ok(()),
        }
    }
}

impl<W: Write + Seek> Archive<W> {
    pub fn zip(out: W) -> Archive<W> {
        Archive {
            zip: Some(ZipWriter::new(out)),
            files: Vec::new(),
        }
    }

    /// Writes one file through `write`, which gets a writer that zips and hashes.
    pub fn add<T, E>(
        &mut self,
        path: &str,
        write: impl FnOnce(&mut dyn Write) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<io::Error>,
    {
        if let Some(zip) = self.zip.as_mut() {
            zip.start_file(path, options()).map_err(io::Error::other)?;
        }
        let mut tee = Tee {
            zip: self.zip.as_mut(),
            hash: Sha256::new(),
            bytes: 0,
        };
        let value = write(&mut tee)?;
        self.files.push(FileEntry {
            path: path.to_owned(),
            sha256: hex::encode(tee.hash.finalize()),
            bytes: tee.bytes,
        });
        Ok(value)
    }

    pub fn finish(self) -> io::Result<Option<W>> {
        self.zip
            .map(|zip| zip.finish().map_err(io::Error::other))
            .transpose()
    }
}

impl Archive<io::Cursor<Vec<u8>>> {
    /// An archive that only hashes what is written to it.
    pub fn hash_only() -> Archive<io::Cursor<Vec<u8>>> {
        Archive {
            zip: None,
            files: Vec::new(),
        }
    }
}
