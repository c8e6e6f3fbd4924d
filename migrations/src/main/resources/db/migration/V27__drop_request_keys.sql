-- Which key made a request is `requests.key_id` (V2), written by the outcome log and journalled through database
-- outages. `request_keys` (V10) said the same, but grew without bound (no retention ever pruned it), and the
-- gateway held every row it could not write yet in memory for as long as the database was down.
DROP TABLE request_keys;
