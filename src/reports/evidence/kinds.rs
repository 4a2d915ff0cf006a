//! Which files are accepted: the type is judged by the first bytes, and the name's extension
//! must be one of that type's. The content type sent back on download comes from this table,
//! never from the client.

/// How many leading bytes the judgement needs at most (zip entry names are read from them).
pub const SNIFF_BYTES: usize = 64 * 1024;

/// A type the portal accepts: what users call it, and its extensions with their content type.
#[derive(Debug, PartialEq, Eq)]
pub struct Kind {
    pub label: &'static str,
    pub extensions: &'static [(&'static str, &'static str)],
}

const PDF: Kind = Kind {
    label: "PDF 文档",
    extensions: &[("pdf", "application/pdf")],
};
const PNG: Kind = Kind {
    label: "PNG 图片",
    extensions: &[("png", "image/png")],
};
const JPEG: Kind = Kind {
    label: "JPEG 图片",
    extensions: &[("jpg", "image/jpeg"), ("jpeg", "image/jpeg")],
};
const GIF: Kind = Kind {
    label: "GIF 图片",
    extensions: &[("gif", "image/gif")],
};
const DOCX_TYPE: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const PPTX_TYPE: &str = "application/vnd.openxmlformats-officedocument.presentationml.presentation";
const DOCX: Kind = Kind {
    label: "Word 文档",
    extensions: &[("docx", DOCX_TYPE)],
};
const XLSX: Kind = Kind {
    label: "Excel 表格",
    extensions: &[("xlsx", XLSX_TYPE)],
};
const PPTX: Kind = Kind {
    label: "PowerPoint 演示文稿",
    extensions: &[("pptx", PPTX_TYPE)],
};
const OFD: Kind = Kind {
    label: "OFD 版式文档",
    extensions: &[("ofd", "application/ofd")],
};
const ZIP: Kind = Kind {
    label: "ZIP 压缩包",
    extensions: &[("zip", "application/zip")],
};
/// A zip whose entries were not all seen in the first bytes: only the container is known,
/// so any of the zip-based extensions agrees with it.
const ZIP_BASED: Kind = Kind {
    label: "ZIP 格式的文件",
    extensions: &[
        ("zip", "application/zip"),
        ("docx", DOCX_TYPE),
        ("xlsx", XLSX_TYPE),
        ("pptx", PPTX_TYPE),
        ("ofd", "application/ofd"),
    ],
};
/// Office 97–2003 and WPS's own formats share one container (OLE); telling them apart would
/// mean reading its directory, which may sit anywhere in the file. WPS's formats are read as
/// their Office counterparts, so they get those content types.
const OLE: Kind = Kind {
    label: "Office 97-2003 或 WPS 文档",
    extensions: &[
        ("doc", "application/msword"),
        ("xls", "application/vnd.ms-excel"),
        ("ppt", "application/vnd.ms-powerpoint"),
        ("wps", "application/msword"),
        ("et", "application/vnd.ms-excel"),
        ("dps", "application/vnd.ms-powerpoint"),
    ],
};
const SEVEN_Z: Kind = Kind {
    label: "7z 压缩包",
    extensions: &[("7z", "application/x-7z-compressed")],
};
const RAR: Kind = Kind {
    label: "RAR 压缩包",
    extensions: &[("rar", "application/vnd.rar")],
};

/// Every content type a download may carry.
const ALL: &[&Kind] = &[
    &PDF, &PNG, &JPEG, &GIF, &ZIP_BASED, &DOCX, &XLSX, &PPTX, &OFD, &ZIP, &OLE, &SEVEN_Z, &RAR,
];

/// What users are told the portal accepts, on the form and when a file is refused.
pub const ACCEPTED: &str = "PDF、图片（PNG、JPEG、GIF）、Word、Excel、PowerPoint（含 WPS 格式）、OFD 和压缩包（ZIP、7z、RAR）";

/// The form's `accept` attribute: a hint to the browser's file picker, checked again here.
pub const ACCEPT_ATTR: &str =
    ".pdf,.png,.jpg,.jpeg,.gif,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.wps,.et,.dps,.ofd,.zip,.7z,.rar";

/// Extensions that a browser or an operating system may run or render as a page. Refused
/// anywhere in a name, since `通知.exe.pdf` is meant to be mistaken for a PDF or to become an
/// executable once a "wrong" extension is removed.
const EXECUTABLE: &str = "\
    exe com bat cmd scr pif cpl msi msp mst dll sys drv ocx lnk url scf reg inf hta js jse \
    mjs vbs vbe vb wsf wsh wsc ps1 psm1 psd1 sh bash zsh csh ksh command py pyw pl rb php \
    phtml asp aspx jsp cgi jar class html htm shtml xhtml xht mht mhtml svg svgz xml xsl swf \
    chm hlp application gadget appx msix apk app dmg pkg deb rpm elf run bin docm dotm xlsm \
    xltm xlam pptm potm ppam ppsm iso img vhd vhdx";

/// The type of a file from its first bytes (up to [`SNIFF_BYTES`], or all of it if shorter);
/// `whole` says whether these are all its bytes.
pub fn sniff(head: &[u8], whole: bool) -> Option<&'static Kind> {
    if head.starts_with(b"%PDF-") {
        Some(&PDF)
    } else if head.starts_with(&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a]) {
        Some(&PNG)
    } else if head.starts_with(&[0xff, 0xd8, 0xff]) {
        Some(&JPEG)
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        Some(&GIF)
    } else if head.starts_with(b"PK\x03\x04") {
        Some(zip_kind(head, whole))
    } else if head.starts_with(&[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]) {
        Some(&OLE)
    } else if head.starts_with(&[b'7', b'z', 0xbc, 0xaf, 0x27, 0x1c]) {
        Some(&SEVEN_Z)
    } else if head.starts_with(b"Rar!\x1a\x07\x00") || head.starts_with(b"Rar!\x1a\x07\x01\x00") {
        Some(&RAR)
    } else {
        None
    }
}

/// Office's and OFD's zip files are told from a plain archive by their entries' folders,
/// read from the local headers in the first bytes.
fn zip_kind(head: &[u8], whole: bool) -> &'static Kind {
    let mut plain = true;
    for name in local_entry_names(head) {
        if name.starts_with(b"word/") {
            return &DOCX;
        } else if name.starts_with(b"xl/") {
            return &XLSX;
        } else if name.starts_with(b"ppt/") {
            return &PPTX;
        } else if name == b"OFD.xml" {
            return &OFD;
        } else if name == b"[Content_Types].xml" {
            plain = false;
        }
    }
    if whole && plain { &ZIP } else { &ZIP_BASED }
}

/// The names of the zip entries whose local headers lie in `head`. A header is found by its
/// signature, so one inside compressed data may be misread; the worst outcome is a zip-based
/// type named by the wrong one of its extensions.
fn local_entry_names(head: &[u8]) -> impl Iterator<Item = &[u8]> {
    head.windows(4)
        .enumerate()
        .filter(|(_, w)| *w == b"PK\x03\x04")
        .filter_map(move |(at, _)| {
            let len = head.get(at + 26..at + 28)?;
            let len = usize::from(u16::from_le_bytes([len[0], len[1]]));
            head.get(at + 30..at + 30 + len)
        })
}

/// The lower-case extensions of a name, the last one last (`通知.exe.pdf` → exe, pdf).
fn extensions(name: &str) -> Vec<String> {
    name.split('.')
        .skip(1)
        .map(str::to_ascii_lowercase)
        .collect()
}

/// Refuses a name carrying an executable, script or page extension, wherever it stands.
pub fn refuse_executable(name: &str) -> Result<(), String> {
    match extensions(name)
        .into_iter()
        .find(|e| EXECUTABLE.split_whitespace().any(|x| x == e.as_str()))
    {
        Some(ext) => Err(format!(
            "不接受可执行文件、脚本或网页（文件名中含有 .{ext}）。只接受 {ACCEPTED}。"
        )),
        None => Ok(()),
    }
}

/// The content type to store for a file of `kind` named `name`, if the name's extension is
/// one of the kind's.
pub fn agree(kind: &Kind, name: &str) -> Result<&'static str, String> {
    let ext = extensions(name).pop().unwrap_or_default();
    if let Some((_, mime)) = kind.extensions.iter().find(|(e, _)| *e == ext) {
        return Ok(mime);
    }
    let expected: Vec<String> = kind
        .extensions
        .iter()
        .map(|(e, _)| format!(".{e}"))
        .collect();
    let given = if ext.is_empty() {
        "文件名没有扩展名".to_string()
    } else {
        format!("文件名的扩展名是 .{ext}")
    };
    Err(format!(
        "文件内容是 {}，但{given}，两者不符。请将扩展名改为 {} 后重新上传。",
        kind.label,
        expected.join("、")
    ))
}

/// What to tell someone whose file is of no accepted type.
pub fn unknown_type() -> String {
    format!("只接受 {ACCEPTED}。无法识别此文件的类型，或文件内容与这些类型不符。")
}

/// The content type to send for a stored file: its own if the table has it, else a plain
/// download, so that a row written by anything else is never rendered.
pub fn allowed_type(stored: &str) -> &'static str {
    ALL.iter()
        .flat_map(|k| k.extensions.iter())
        .find(|(_, mime)| *mime == stored)
        .map_or("application/octet-stream", |(_, mime)| mime)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A zip whose first local header names `entry`.
    fn zip_with(entry: &str) -> Vec<u8> {
        let mut z = b"PK\x03\x04".to_vec();
        z.extend_from_slice(&[0; 22]);
        z.extend_from_slice(&u16::try_from(entry.len()).unwrap_or(0).to_le_bytes());
        z.extend_from_slice(&[0, 0]);
        z.extend_from_slice(entry.as_bytes());
        z.extend_from_slice(b"compressed data");
        z
    }

    #[test]
    fn types_are_judged_by_content() {
        assert_eq!(sniff(b"%PDF-1.7 ...", true), Some(&PDF));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n....", true), Some(&PNG));
        assert_eq!(sniff(b"\xff\xd8\xff\xe0..JFIF", true), Some(&JPEG));
        assert_eq!(sniff(b"GIF89a....", true), Some(&GIF));
        assert_eq!(
            sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1....", true),
            Some(&OLE)
        );
        assert_eq!(sniff(b"7z\xbc\xaf\x27\x1c\x00\x04", true), Some(&SEVEN_Z));
        assert_eq!(sniff(b"Rar!\x1a\x07\x01\x00...", true), Some(&RAR));
        assert_eq!(sniff(b"Rar!\x1a\x07\x00...", true), Some(&RAR));
        for refused in [
            &b"<html><script>alert(1)</script>"[..],
            b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"x\"/>",
            b"MZ\x90\x00\x03",
            b"@echo off\r\ndel *",
            b"\x7fELF\x02\x01",
            b"plain text",
            b"",
        ] {
            assert_eq!(sniff(refused, true), None, "{refused:?}");
        }
    }

    #[test]
    fn zips_are_told_apart_by_their_entries() {
        assert_eq!(sniff(&zip_with("word/document.xml"), false), Some(&DOCX));
        assert_eq!(sniff(&zip_with("xl/workbook.xml"), false), Some(&XLSX));
        assert_eq!(sniff(&zip_with("ppt/presentation.xml"), false), Some(&PPTX));
        assert_eq!(sniff(&zip_with("OFD.xml"), false), Some(&OFD));
        // The usual first entry, then Word's folder further on.
        let docx = [
            zip_with("[Content_Types].xml"),
            zip_with("word/document.xml"),
        ]
        .concat();
        assert_eq!(sniff(&docx, false), Some(&DOCX));
        // All of a plain archive seen: a zip; cut short: only the container is known.
        assert_eq!(sniff(&zip_with("照片/1.jpg"), true), Some(&ZIP));
        assert_eq!(sniff(&zip_with("照片/1.jpg"), false), Some(&ZIP_BASED));
        assert_eq!(
            sniff(&zip_with("[Content_Types].xml"), true),
            Some(&ZIP_BASED)
        );
    }

    #[test]
    fn the_extension_must_agree_with_the_content() {
        assert_eq!(agree(&PDF, "报告.pdf"), Ok("application/pdf"));
        assert_eq!(agree(&PDF, "报告.PDF"), Ok("application/pdf"));
        assert_eq!(agree(&JPEG, "a.jpeg"), Ok("image/jpeg"));
        assert_eq!(agree(&OLE, "表.et"), Ok("application/vnd.ms-excel"));
        assert_eq!(agree(&ZIP_BASED, "a.docx"), Ok(DOCX_TYPE));
        for (kind, name) in [
            (&PDF, "renamed.txt"),
            (&PDF, "report.html"),
            (&PDF, "报告"),
            (&DOCX, "a.xlsx"),
            (&DOCX, "a.zip"),
            (&ZIP, "a.docx"),
            (&PNG, "a.jpg"),
        ] {
            let refused = agree(kind, name);
            assert!(
                refused.as_ref().is_err_and(|m| m.contains(kind.label)),
                "{name}: {refused:?}"
            );
        }
    }

    #[test]
    fn executable_extensions_are_refused_anywhere_in_the_name() {
        for name in [
            "setup.exe",
            "a.BAT",
            "x.cmd",
            "run.com",
            "s.scr",
            "page.hta",
            "a.js",
            "a.vbs",
            "a.ps1",
            "a.sh",
            "index.html",
            "a.htm",
            "logo.svg",
            "a.xhtml",
            "a.jar",
            "a.msi",
            "a.lnk",
            "a.dll",
            "通知.exe.pdf",
            "a.html.docx",
            "宏.docm",
        ] {
            assert!(refuse_executable(name).is_err(), "{name}");
        }
        for name in [
            "报告.pdf",
            "exe.pdf",
            "v1.2.final.docx",
            "图.jpg",
            "无扩展名",
        ] {
            assert_eq!(refuse_executable(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn downloads_carry_only_listed_types() {
        assert_eq!(allowed_type("application/pdf"), "application/pdf");
        assert_eq!(allowed_type("text/html"), "application/octet-stream");
        assert_eq!(allowed_type("image/svg+xml"), "application/octet-stream");
    }
}
