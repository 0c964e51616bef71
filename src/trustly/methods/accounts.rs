//! RegisterAccount: a bank account the trader typed in.

use super::*;

// ---------------------------------------------------------------------------
// RegisterAccount

attributes!(
    /// Attributes of RegisterAccount.
    RegisterAccountAttributes {
        date_of_birth => "DateOfBirth",
        mobile_phone => "MobilePhone",
        national_identification_number => "NationalIdentificationNumber",
        email => "Email",
        address_country => "AddressCountry",
        address_postal_code => "AddressPostalCode",
        address_city => "AddressCity",
        address_line1 => "AddressLine1",
        address_line2 => "AddressLine2",
        address => "Address",
    }
);

/// Data of RegisterAccount. `Debug` masks the account number.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterAccountData {
    #[serde(
        rename = "Username",
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "lenient::string"
    )]
    pub username: String,
    #[serde(
        rename = "Password",
        default,
        skip_serializing_if = "Password::is_empty"
    )]
    pub password: Password,
    #[serde(rename = "EndUserID", default, deserialize_with = "lenient::string")]
    pub end_user_id: String,
    /// e.g. "SWEDEN", "AUSTRIA"; IBAN countries use BankNumber "".
    #[serde(
        rename = "ClearingHouse",
        default,
        deserialize_with = "lenient::string"
    )]
    pub clearing_house: String,
    #[serde(rename = "BankNumber", default, deserialize_with = "lenient::string")]
    pub bank_number: String,
    #[serde(
        rename = "AccountNumber",
        default,
        deserialize_with = "lenient::string"
    )]
    pub account_number: String,
    #[serde(rename = "Firstname", default, deserialize_with = "lenient::string")]
    pub firstname: String,
    #[serde(rename = "Lastname", default, deserialize_with = "lenient::string")]
    pub lastname: String,
    #[serde(
        rename = "Attributes",
        default,
        deserialize_with = "lenient::null_default"
    )]
    pub attributes: RegisterAccountAttributes,
}

impl fmt::Debug for RegisterAccountData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegisterAccountData")
            .field("username", &self.username)
            .field("password", &self.password)
            .field("end_user_id", &self.end_user_id)
            .field("clearing_house", &self.clearing_house)
            .field("bank_number", &self.bank_number)
            .field("account_number", &mask_account_number(&self.account_number))
            .field("firstname", &self.firstname)
            .field("lastname", &self.lastname)
            .field("attributes", &self.attributes)
            .finish()
    }
}

/// "****1234": enough to recognise an account in logs, not enough to use it.
pub fn mask_account_number(number: &str) -> String {
    let chars: Vec<char> = number.chars().filter(|c| !c.is_whitespace()).collect();
    let keep = if chars.len() > 6 { 4 } else { 0 };
    let tail: String = chars[chars.len() - keep..].iter().collect();
    format!("****{tail}")
}

/// Result data of RegisterAccount. Same bank details always give the same
/// accountid, and an accountid never expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterAccountResult {
    #[serde(deserialize_with = "lenient::string")]
    pub accountid: String,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub clearinghouse: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub bank: Option<String>,
    /// Safe to display ("***4057").
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub descriptor: Option<String>,
}

impl ApiRequest for RegisterAccountData {
    const METHOD: &'static str = REGISTER_ACCOUNT;
    type Response = RegisterAccountResult;
}
