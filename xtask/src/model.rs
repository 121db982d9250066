//! The intermediate model: what every dialect parser produces and what the
//! merge, override and OpenAPI steps consume. It knows no Markdown and no
//! OpenAPI, so each side can change without the other.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// One parsed document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// `maxim`, `netease` or `yhchat`: the spec the document feeds.
    pub vendor: String,
    /// Path as given to the parser (repo-relative for the checked-in set).
    pub source: String,
    pub title: String,
    /// Base URLs the document names (environment tables, "请求域名" lines).
    pub servers: Vec<String>,
    /// Free text that applies to the whole document (overview, limits).
    pub description: Option<String>,
    pub sections: Vec<Section>,
    pub operations: Vec<Operation>,
}

/// A document section holding operations; it becomes an OpenAPI tag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// Number as written (`3`, `8`), if any.
    pub number: Option<String>,
    pub title: String,
    /// `{#roster}` anchors of the typed MaxIM document.
    pub anchor: Option<String>,
}

/// One operation as the document describes it. A heading with several
/// `> METHOD /path` lines is one operation with several methods; the export
/// document's one-heading-per-method repetitions are collapsed by the merge
/// step, not by the parser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    pub methods: Vec<Method>,
    pub path: String,
    /// Title of the enclosing section (the tag).
    pub section: String,
    /// Heading number as written (`3.1`), if any.
    pub number: Option<String>,
    /// Heading anchor (`put__roster_accept`), if any.
    pub anchor: Option<String>,
    /// Heading text without number and anchor.
    pub summary: String,
    /// Free text and examples that describe the operation, kept verbatim
    /// (trimmed); `None` when the document has none.
    pub description: Option<String>,
    /// 1-based line of the heading in the source.
    pub line: usize,
    pub headers: Vec<Field>,
    pub query: Vec<Field>,
    pub body: Option<Body>,
    pub responses: Vec<Response>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
    Patch,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Patch => "PATCH",
        }
    }
    pub fn lower(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Post => "post",
            Method::Put => "put",
            Method::Delete => "delete",
            Method::Patch => "patch",
        }
    }
}

impl FromStr for Method {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_uppercase().as_str() {
            "GET" => Ok(Method::Get),
            "POST" => Ok(Method::Post),
            "PUT" => Ok(Method::Put),
            "DELETE" => Ok(Method::Delete),
            "PATCH" => Ok(Method::Patch),
            other => Err(format!("unknown HTTP method `{other}`")),
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a body travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Media {
    /// `application/json`
    Json,
    /// `application/x-www-form-urlencoded`
    Form,
    /// `application/x-protobuf`
    Protobuf,
    /// Raw bytes (`application/octet-stream`), e.g. file downloads.
    Binary,
}

impl Media {
    pub fn mime(self) -> &'static str {
        match self {
            Media::Json => "application/json",
            Media::Form => "application/x-www-form-urlencoded",
            Media::Protobuf => "application/x-protobuf",
            Media::Binary => "application/octet-stream",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Body {
    pub media: Media,
    /// Top-level fields. A JSON body that is itself an array is one field
    /// with an empty name and an `array[...]` type (as the typed MaxIM
    /// document writes it).
    pub fields: Vec<Field>,
    /// Protobuf message name, for `Media::Protobuf`.
    pub message: Option<String>,
    /// An example body as the document shows it, verbatim.
    pub example: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    /// HTTP status the document gives (200 nearly everywhere).
    pub status: u16,
    pub media: Media,
    /// Top-level fields of the response body (for MaxIM: the envelope's
    /// `code`, `message`, `data`, and `cursor`/`version` where listed).
    pub fields: Vec<Field>,
    /// Protobuf message name, for `Media::Protobuf`.
    pub message: Option<String>,
    /// An example response as the document shows it, verbatim.
    pub example: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: Type,
    /// `None` where the document does not say.
    pub required: Option<bool>,
    pub default: Option<String>,
    /// Description with `<br>` turned into newlines, trimmed.
    pub description: String,
    /// String length limit (NetEase 字符串长度上限).
    pub max_length: Option<u32>,
    pub example: Option<String>,
    /// Values the description enumerates (`0 - 等待确认, 1 - 接受`).
    pub enum_values: Vec<EnumValue>,
    /// Protobuf field number, where the document defines a message.
    pub proto_number: Option<u32>,
    /// Properties of an object, or of the objects in an array.
    pub children: Vec<Field>,
    /// 1-based source line of the row.
    pub line: usize,
}

impl Field {
    /// A field with only a name and a type; parsers fill in the rest.
    pub fn new(name: impl Into<String>, ty: Type, line: usize) -> Self {
        Field {
            name: name.into(),
            ty,
            required: None,
            default: None,
            description: String::new(),
            max_length: None,
            example: None,
            enum_values: Vec::new(),
            proto_number: None,
            children: Vec::new(),
            line,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnumValue {
    /// The value as it travels (a number or a string).
    pub value: serde_json::Value,
    /// What the document says it means.
    pub label: String,
}

/// A field type. Written in the documents' own notation (`int64`,
/// `array[object]`), which is also how it serializes in snapshots.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    String,
    Int32,
    Int64,
    Number,
    Boolean,
    Object,
    Array(Box<Type>),
    /// Raw bytes (protobuf `bytes`, downloads).
    Binary,
    /// The document gives no type (the export's query tables); overrides or
    /// the default (string) decide.
    Unspecified,
}

impl Type {
    pub fn is_scalar(&self) -> bool {
        !matches!(self, Type::Object | Type::Array(_))
    }
    /// Type of the objects that hold children: `object`, `array[object]`,
    /// `array[array[object]]`.
    pub fn holds_children(&self) -> bool {
        match self {
            Type::Object => true,
            Type::Array(inner) => inner.holds_children(),
            _ => false,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::String => f.write_str("string"),
            Type::Int32 => f.write_str("int32"),
            Type::Int64 => f.write_str("int64"),
            Type::Number => f.write_str("number"),
            Type::Boolean => f.write_str("boolean"),
            Type::Object => f.write_str("object"),
            Type::Array(inner) => write!(f, "array[{inner}]"),
            Type::Binary => f.write_str("binary"),
            Type::Unspecified => f.write_str("unspecified"),
        }
    }
}

impl FromStr for Type {
    type Err = String;
    /// Accepts the spellings the documents use: `int32`, `int`, `Long`,
    /// `String`, `boolean`, `bool`, `object`, `JASON` (sic, NetEase),
    /// `array[int64]`, protobuf scalars (`int32`, `int64`, `string`,
    /// `bool`, `bytes`, `double`, `float`), and the Chinese words a
    /// translated table may use instead (`字符串`, `整数`, `长整型`, `布尔`…).
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let lower = t.to_ascii_lowercase();
        if let Some(inner) = lower.strip_prefix("array[").and_then(|r| r.strip_suffix(']')) {
            return Ok(Type::Array(Box::new(inner.parse()?)));
        }
        Ok(match lower.as_str() {
            "string" | "str" | "字符串" => Type::String,
            "int32" | "int" | "integer" | "uint32" | "sint32" | "整数" | "整型" => Type::Int32,
            "int64" | "long" | "uint64" | "sint64" | "长整型" | "长整数" => Type::Int64,
            "number" | "double" | "float" | "数字" | "浮点数" => Type::Number,
            "boolean" | "bool" | "布尔" | "布尔值" => Type::Boolean,
            "object" | "json" | "jason" | "map" | "对象" => Type::Object,
            "array" | "数组" => Type::Array(Box::new(Type::Object)),
            "bytes" | "binary" | "file" => Type::Binary,
            "" | "unspecified" => Type::Unspecified,
            _ => return Err(format!("unknown type `{t}`")),
        })
    }
}

impl Serialize for Type {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Type {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}
