//! Enumerations stated in free-text descriptions: `0 - 等待确认, 1 - 接受`,
//! `1-用户,2-群聊,3-机器人`, `1 直接加好友;2 请求加好友`, `1: 原图，2: 缩略图`,
//! `TEXT = 0;<br>IMAGE = 1;`. Every dialect writes them differently; one
//! reader serves all.

use crate::model::EnumValue;
use regex::Regex;
use std::sync::LazyLock;

/// A number that starts an enumerated value: at the start or after a
/// separator, followed by `-`, `:`, `=`, `、`, `.` or a space.
static ANCHOR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[\s:：,，;；(（])(-?\d{1,4})\s*(?:[-:：=、.]\s*|\s+)").unwrap());
static NAME_EQ_NUM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|\s)([A-Z][A-Z0-9_]*)\s*=\s*(-?\d+)\s*;?").unwrap());

/// Values a description enumerates, in document order; empty unless at least
/// two distinct values are found (a lone "默认值是 1" is no enumeration).
/// A label runs to the next value, so `0 - 无需验证，任何人可以加为好友, 1 - …`
/// keeps its comma; a sentence after it (`。不填默认为0`) is not part of it.
pub fn from_description(desc: &str) -> Vec<EnumValue> {
    let named: Vec<EnumValue> = NAME_EQ_NUM
        .captures_iter(desc)
        .filter_map(|c| Some(EnumValue { value: c[2].parse::<i64>().ok()?.into(), label: c[1].to_string() }))
        .collect();
    let out = if named.len() >= 2 { named } else { numbered(desc) };
    let mut values: Vec<String> = out.iter().map(|e| e.value.to_string()).collect();
    values.sort();
    values.dedup();
    if values.len() < 2 || values.len() != out.len() { Vec::new() } else { out }
}

fn numbered(desc: &str) -> Vec<EnumValue> {
    let anchors: Vec<(usize, usize, &str)> = ANCHOR
        .captures_iter(desc)
        .filter_map(|c| {
            let whole = c.get(0)?;
            Some((whole.start(), whole.end(), c.get(1)?.as_str()))
        })
        .collect();
    let mut out = Vec::new();
    for (i, (_, end, num)) in anchors.iter().enumerate() {
        let stop = anchors.get(i + 1).map(|a| a.0).unwrap_or(desc.len());
        let Some(text) = desc.get(*end..stop) else { continue };
        let label = text.split(['。', '\n']).next().unwrap_or("");
        // A trailing `, 默认值：1` / `，不填默认为0` is about the field, not this value.
        let mut parts: Vec<&str> = label.split([',', '，']).collect();
        while parts.len() > 1 && parts.last().is_some_and(|p| is_default_note(p)) {
            parts.pop();
        }
        let label = parts.join("，");
        let label = label.trim_matches(|c: char| c.is_whitespace() || ",，;；".contains(c));
        if label.is_empty() || is_default_note(label) {
            continue;
        }
        push(&mut out, num, label);
    }
    out
}

fn is_default_note(s: &str) -> bool {
    let s = s.trim();
    s.starts_with("默认") || s.starts_with("不填")
}

fn push(out: &mut Vec<EnumValue>, num: &str, label: &str) {
    if let Ok(n) = num.parse::<i64>() {
        out.push(EnumValue { value: n.into(), label: label.trim().to_string() });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(d: &str) -> Vec<(i64, String)> {
        from_description(d).into_iter().map(|e| (e.value.as_i64().unwrap(), e.label)).collect()
    }

    #[test]
    fn reads_each_documented_style() {
        assert_eq!(
            pairs("状态:  0 - 等待确认, 1 - 接受, 2 - 拒绝"),
            vec![(0, "等待确认".into()), (1, "接受".into()), (2, "拒绝".into())]
        );
        assert_eq!(
            pairs("目标对象类别,1-用户,2-群聊,3-机器人"),
            vec![(1, "用户".into()), (2, "群聊".into()), (3, "机器人".into())]
        );
        assert_eq!(
            pairs("1 直接加好友(无需对方同意);2 请求加好友(需要对方同意);3 同意加好友;4 拒绝加好友"),
            vec![
                (1, "直接加好友(无需对方同意)".into()),
                (2, "请求加好友(需要对方同意)".into()),
                (3, "同意加好友".into()),
                (4, "拒绝加好友".into())
            ]
        );
        assert_eq!(
            pairs("验证方式, 0 - 无需验证，任何人可以加为好友, 1 - 需要同意方可加为好友"),
            vec![(0, "无需验证，任何人可以加为好友".into()), (1, "需要同意方可加为好友".into())]
        );
        assert_eq!(
            pairs("消息类型 0：运营类消息，1：系统类消息。不填默认为0"),
            vec![(0, "运营类消息".into()), (1, "系统类消息".into())]
        );
        assert_eq!(pairs("图片类型，1: 原图，2: 缩略图, 3: 封面图").len(), 3);
        assert_eq!(pairs("缩略图生成策略, 1 - 第三方服务器生成， 2 - 本地服务器生成，默认值是 1").len(), 2);
        assert_eq!(
            pairs("消息类型 TEXT      = 0;\n    IMAGE     = 1;\n    AUDIO     = 2;"),
            vec![(0, "TEXT".into()), (1, "IMAGE".into()), (2, "AUDIO".into())]
        );
    }

    #[test]
    fn ignores_plain_text() {
        assert!(pairs("被申请用户 ID").is_empty());
        assert!(pairs("过期时间戳(毫秒)").is_empty());
        assert!(pairs("列表长度不能超过500").is_empty());
    }
}
