SELECT a = 2147483647 AND b = 'abcdefghij' AND c = 123456.78 AND d = 7 AND e = 'abc' FROM t
