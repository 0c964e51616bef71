//! The canonical text that Trustly signatures are computed over
//! (PROTOCOL.md section 3).
//!
//! Trustly does not sign the JSON bytes: it signs a flattening of the `data`
//! tree. Both sides must produce exactly the same text, so this function is
//! deliberately small and covered by the published test vectors.

use serde_json::Value;

/// Flatten a JSON value into the text Trustly signs:
/// - object: keys sorted by byte order ("ASCIIbetical": "Z" < "a"), each as
///   key followed by the serialised value;
/// - array: each element in order, with no index;
/// - string: raw (no quotes, no escaping);
/// - number: its JSON text (serde_json's `Number::to_string`, e.g. `12345`,
///   `1.5`);
/// - null and `{}`: empty (the key in front of them is still emitted);
/// - booleans: "1"/"0". Official clients disagree here (some print
///   "true"/"false"), which is why our own messages never contain a boolean;
///   Trustly itself uses the strings "1"/"0". The choice only matters if a
///   peer sends a real boolean, in which case verification may fail: that is
///   the peer's bug, surfaced as a signature error.
pub fn serialize_data(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

/// The exact plaintext that is signed: `method ‖ uuid ‖ serialise(data)`,
/// with no separators.
pub fn signing_plaintext(method: &str, uuid: &str, data: &Value) -> String {
    let mut out = String::with_capacity(method.len() + uuid.len() + 128);
    out.push_str(method);
    out.push_str(uuid);
    write_value(data, &mut out);
    out
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => {}
        Value::Bool(b) => out.push_str(if *b { "1" } else { "0" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            for item in items {
                write_value(item, out);
            }
        }
        Value::Object(map) => {
            // serde_json's default Map is a BTreeMap and thus already in byte
            // order, but that is an implementation detail (the
            // `preserve_order` feature, which any crate in the build can turn
            // on, changes it). Sort explicitly by bytes, never by locale.
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            for (key, val) in entries {
                out.push_str(key);
                write_value(val, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn vector_1_nested_array_and_object() {
        let v: Value = serde_json::from_str(
            r#"{"MyKey":"MyValue","MyArray":["Element1","Element2",{"mykey2":"myvalue2"}]}"#,
        )
        .unwrap();
        assert_eq!(
            serialize_data(&v),
            "MyArrayElement1Element2mykey2myvalue2MyKeyMyValue"
        );
    }

    #[test]
    fn vector_2_null_deep_empty_and_numbers() {
        let v: Value = serde_json::from_str(
            r#"{"nullvalue":null,"array":["012","013","011","014","abc","010","def"],"deep1":{"deep2":{"deep3":{"deep4":{"deep5":{}}}}},"arrayofarray1":[[[[[[9,5,1,10]]]]],["abc","foo","01"]]}"#,
        )
        .unwrap();
        assert_eq!(
            serialize_data(&v),
            "array012013011014abc010defarrayofarray195110abcfoo01deep1deep2deep3deep4deep5nullvalue"
        );
    }

    #[test]
    fn vector_3_account_with_null_descriptor() {
        let v: Value = serde_json::from_str(
            r#"{"accountid":"123456789","bank":"BankA","clearinghouse":"SWEDEN","descriptor":null}"#,
        )
        .unwrap();
        assert_eq!(
            serialize_data(&v),
            "accountid123456789bankBankAclearinghouseSWEDENdescriptor"
        );
    }

    #[test]
    fn vector_4_deposit_data() {
        let v = json!({
            "Username": "merchant_username",
            "Password": "merchant_password",
            "NotificationURL": "URL_to_your_notification_service",
            "EndUserID": "12345",
            "MessageID": "your_unique_deposit_id",
            "Attributes": {
                "Locale": "sv_SE",
                "Currency": "SEK",
                "IP": "123.123.123.123",
                "MobilePhone": "+46709876543",
                "Firstname": "John",
                "Lastname": "Doe",
                "NationalIdentificationNumber": "790131-1234"
            }
        });
        assert_eq!(
            serialize_data(&v),
            "AttributesCurrencySEKFirstnameJohnIP123.123.123.123LastnameDoeLocalesv_SEMobilePhone+46709876543NationalIdentificationNumber790131-1234EndUserID12345MessageIDyour_unique_deposit_idNotificationURLURL_to_your_notification_servicePasswordmerchant_passwordUsernamemerchant_username"
        );
    }

    #[test]
    fn vector_5_account_notification_reply() {
        let plaintext = signing_plaintext(
            "account",
            "e76ffbe5-e0f9-4402-8689-f868ed2021f8",
            &json!({"status": "OK"}),
        );
        assert_eq!(
            plaintext,
            "accounte76ffbe5-e0f9-4402-8689-f868ed2021f8statusOK"
        );
    }

    #[test]
    fn byte_order_and_scalars() {
        // Uppercase sorts before lowercase; "B" < "a" < "b".
        let v = json!({"b": "1", "a": "2", "B": "3"});
        assert_eq!(serialize_data(&v), "B3a2b1");
        assert_eq!(serialize_data(&json!(true)), "1");
        assert_eq!(serialize_data(&json!(false)), "0");
        assert_eq!(serialize_data(&json!(1.5)), "1.5");
        assert_eq!(serialize_data(&json!(-3)), "-3");
        assert_eq!(serialize_data(&json!({"e": {}, "n": null})), "en");
        // Strings are raw: quotes and non-ASCII pass through unchanged.
        assert_eq!(
            serialize_data(&json!({"name": "Åsa \"Ö\""})),
            "nameÅsa \"Ö\""
        );
    }
}
