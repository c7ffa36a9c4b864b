"""Questions and complaints (咨询投诉): filing with an account or a mobile number proved by a code, the
department's answer within working days, one reopening, and the quarter's published figures (docs/complaints.md)."""
