//! A reply struct's fields written straight to JSON, for envelopes that
//! put them next to their own success fields (`Envelope::ok_flat`).
//!
//! The general way, `serde_json::to_value` and then writing the `Value`,
//! builds a map per object and a `String` per key of the whole reply: a
//! member list of 2,000 entries made 16,000 allocations only to be written
//! once. Here a serializer takes the top-level struct apart and writes each
//! field with `serde_json::to_writer` as it comes, leaving out fields that
//! wrote `null` (the envelope's rule), so nothing but the output grows.
//! Anything that is not a struct (a map, a sequence, a bare value) is
//! answered [`NotAStruct`], and the caller takes the general way.

use serde::Serialize;
use serde::ser::{self, Impossible, SerializeStruct};

/// The fields written: `"key":value,` for each, and their names.
#[derive(Debug, Default)]
pub(crate) struct Fields {
    /// Each field as `"key":value,` (the last one's comma included).
    pub(crate) json: Vec<u8>,
    pub(crate) names: Vec<&'static str>,
}

/// `value` was not a struct (or a unit): the caller writes it another way.
#[derive(Debug)]
pub(crate) struct NotAStruct;

impl std::fmt::Display for NotAStruct {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not a struct")
    }
}

impl std::error::Error for NotAStruct {}

impl ser::Error for NotAStruct {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        NotAStruct
    }
}

/// The fields of `value`, a struct (a unit gives none), with `null` ones left
/// out unless `keep_null` names them.
pub(crate) fn fields<T: Serialize + ?Sized>(
    value: &T,
    keep_null: Option<&str>,
) -> Result<Fields, NotAStruct> {
    value.serialize(TopLevel { keep_null })
}

struct TopLevel<'k> {
    keep_null: Option<&'k str>,
}

/// Writes the fields of the one struct [`TopLevel`] met.
struct FieldWriter<'k> {
    fields: Fields,
    keep_null: Option<&'k str>,
}

impl SerializeStruct for FieldWriter<'_> {
    type Ok = Fields;
    type Error = NotAStruct;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), NotAStruct> {
        let out = &mut self.fields.json;
        let start = out.len();
        // A `&str` always serializes.
        let _ = serde_json::to_writer(&mut *out, key);
        out.push(b':');
        let value_at = out.len();
        // A value that cannot be written (a map with non-string keys, an
        // error from a `Serialize` impl) falls back to the general way,
        // which reports it.
        serde_json::to_writer(&mut *out, value).map_err(|_| NotAStruct)?;
        if &out[value_at..] == b"null" && self.keep_null != Some(key) {
            out.truncate(start);
        } else {
            out.push(b',');
            self.fields.names.push(key);
        }
        Ok(())
    }

    fn skip_field(&mut self, _key: &'static str) -> Result<(), NotAStruct> {
        Ok(())
    }

    fn end(self) -> Result<Fields, NotAStruct> {
        Ok(self.fields)
    }
}

/// Every method but `serialize_struct` and the units answers [`NotAStruct`].
macro_rules! not_a_struct {
    ($($name:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $name(self, $(_: $arg),*) -> Result<Fields, NotAStruct> { Err(NotAStruct) })*
    };
}

impl<'k> ser::Serializer for TopLevel<'k> {
    type Ok = Fields;
    type Error = NotAStruct;
    type SerializeSeq = Impossible<Fields, NotAStruct>;
    type SerializeTuple = Impossible<Fields, NotAStruct>;
    type SerializeTupleStruct = Impossible<Fields, NotAStruct>;
    type SerializeTupleVariant = Impossible<Fields, NotAStruct>;
    type SerializeMap = Impossible<Fields, NotAStruct>;
    type SerializeStruct = FieldWriter<'k>;
    type SerializeStructVariant = Impossible<Fields, NotAStruct>;

    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<FieldWriter<'k>, NotAStruct> {
        let fields = Fields { json: Vec::with_capacity(64), names: Vec::with_capacity(len) };
        Ok(FieldWriter { fields, keep_null: self.keep_null })
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<Fields, NotAStruct> {
        Ok(Fields::default())
    }

    not_a_struct!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        // `()` is a null, which the envelope writes as the payload: the general way.
        serialize_unit(),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Fields, NotAStruct> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Fields, NotAStruct> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Fields, NotAStruct> {
        Err(NotAStruct)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, NotAStruct> {
        Err(NotAStruct)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, NotAStruct> {
        Err(NotAStruct)
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, NotAStruct> {
        Err(NotAStruct)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, NotAStruct> {
        Err(NotAStruct)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, NotAStruct> {
        Err(NotAStruct)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, NotAStruct> {
        Err(NotAStruct)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: &Fields) -> &str {
        std::str::from_utf8(&f.json).unwrap()
    }

    #[test]
    fn a_struct_gives_its_fields_without_nulls() {
        #[derive(Serialize)]
        struct Reply {
            data: Vec<i64>,
            cursor: Option<String>,
            #[serde(rename = "type")]
            kind: &'static str,
            #[serde(skip_serializing_if = "Option::is_none")]
            skipped: Option<i64>,
        }
        let f =
            fields(&Reply { data: vec![1, 2], cursor: None, kind: "中文\"", skipped: None }, None).unwrap();
        assert_eq!(text(&f), r#""data":[1,2],"type":"中文\"","#);
        assert_eq!(f.names, ["data", "type"]);
    }

    #[test]
    fn the_payload_field_keeps_its_null() {
        #[derive(Serialize)]
        struct Reply {
            data: Option<i64>,
        }
        let f = fields(&Reply { data: None }, Some("data")).unwrap();
        assert_eq!(text(&f), r#""data":null,"#);
    }

    #[test]
    fn anything_else_is_not_a_struct() {
        assert!(fields(&vec![1], None).is_err());
        assert!(fields(&7, None).is_err());
        assert!(fields(&(), None).is_err());
        let map: std::collections::BTreeMap<&str, i64> = [("a", 1)].into();
        assert!(fields(&map, None).is_err());
        #[derive(Serialize)]
        struct Unit;
        assert!(fields(&Unit, None).unwrap().json.is_empty());
    }
}
