package dtstest

import (
	"fmt"

	"github.com/inletdev/inlet/source/dts"
)

// MySQL column type codes (dts.md §8).
const (
	MyDecimal    = 0
	MyTiny       = 1
	MyLong       = 3
	MyDouble     = 5
	MyTimestamp  = 7
	MyLongLong   = 8
	MyDate       = 10
	MyTime       = 11
	MyDateTime   = 12
	MyYear       = 13
	MyVarchar    = 15
	MyJSON       = 245
	MyEnum       = 247
	MySet        = 248
	MyBlob       = 252
	MyVarString  = 253
	MyString     = 254
	MyGeometry   = 255
	MyNewDecimal = 246
)

// OrdersTable is the MySQL table every row generator writes: it has a
// column for every DTS value type.
const OrdersTable = "shop.orders"

// OrdersPKUK is the pk_uk_info tag of shop.orders.
const OrdersPKUK = `{"PRIMARY":["id"],"uk_order_no":["order_no"]}`

// OrdersFields are shop.orders' columns, in image order.
var OrdersFields = []dts.Field{
	{Name: "id", DataTypeNumber: MyLongLong},          // Integer
	{Name: "order_no", DataTypeNumber: MyVarString},   // Character utf8mb4
	{Name: "customer", DataTypeNumber: MyVarString},   // Character gbk
	{Name: "amount", DataTypeNumber: MyNewDecimal},    // Decimal
	{Name: "status", DataTypeNumber: MyEnum},          // TextObject ENUM
	{Name: "weight", DataTypeNumber: MyDouble},        // Float
	{Name: "created_at", DataTypeNumber: MyDateTime},  // DateTime
	{Name: "updated_at", DataTypeNumber: MyTimestamp}, // Timestamp
	{Name: "ship_date", DataTypeNumber: MyDate},       // DateTime (date)
	{Name: "ship_time", DataTypeNumber: MyTime},       // DateTime (time)
	{Name: "model_year", DataTypeNumber: MyYear},      // DateTime (year)
	{Name: "note", DataTypeNumber: MyVarchar},         // Character latin1
	{Name: "photo", DataTypeNumber: MyBlob},           // BinaryObject
	{Name: "location", DataTypeNumber: MyGeometry},    // BinaryGeometry
	{Name: "area", DataTypeNumber: MyGeometry},        // TextGeometry
	{Name: "attrs", DataTypeNumber: MyJSON},           // TextObject JSON
	{Name: "big", DataTypeNumber: MyLongLong},         // Integer > int64
	{Name: "deleted_at", DataTypeNumber: MyDateTime},  // null
	{Name: "legacy", DataTypeNumber: MyString},        // EmptyObject NULL
	{Name: "shadow", DataTypeNumber: MyString},        // EmptyObject NONE
	{Name: "tz_created", DataTypeNumber: MyTimestamp}, // TimestampWithTimeZone
}

// gbk "张三" and latin1 "café".
var (
	gbkZhangSan = []byte{0xd5, 0xc5, 0xc8, 0xfd}
	latin1Cafe  = []byte{'c', 'a', 'f', 0xe9}
	wkbPoint    = []byte{1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x5e, 0x40, 0, 0, 0, 0, 0, 0, 0x3e, 0x40}
)

// OrderRow returns the shop.orders row of an order in a given status.
func OrderRow(id int64, status string) []Value {
	return []Value{
		Int(id),
		Text(fmt.Sprintf("NO-%06d", id)),
		Chars("gbk", gbkZhangSan),
		Decimal(fmt.Sprintf("%d.50", 100+id), 10, 2),
		TextObject("ENUM", status),
		Float(1.25),
		DateTime(2022, 6, 21, 8, 30, 15, 123456),
		Timestamp(1655800215, 500000),
		Date(2022, 6, 22),
		Time(-838, 59, 59, 0),
		Year(2022),
		Chars("latin1", latin1Cafe),
		Blob([]byte{0, 1, 2, 0xfe, 0xff}),
		Geometry(wkbPoint),
		TextGeometry("POINT(120 30)"),
		TextObject("JSON", `{"gift":true}`),
		BigInt("18446744073709551615"),
		Null(),
		EmptyNull(),
		None(),
		TimestampTZ(2022, 6, 21, 8, 30, 15, 0, "+08:00"),
	}
}

// Gen hands out increasing DTS record ids and source timestamps. The zero
// value starts at id 1, timestamp 0; set TS first.
type Gen struct {
	ID int64
	TS int64 // source timestamp, seconds
}

func (g *Gen) next(op dts.Operation) Record {
	g.ID++
	return Record{ID: g.ID, SourceTimestamp: g.TS, Operation: op, Txid: fmt.Sprint(1000 + g.ID)}
}

// Begin is a transaction's BEGIN.
func (g *Gen) Begin() Record { return g.next(dts.OpBegin) }

// Commit is a transaction's COMMIT.
func (g *Gen) Commit() Record { return g.next(dts.OpCommit) }

// Heartbeat is a HEARTBEAT.
func (g *Gen) Heartbeat() Record { return g.next(dts.OpHeartbeat) }

func (g *Gen) orders(op dts.Operation, before, after []Value) Record {
	r := g.next(op)
	r.ObjectName = OrdersTable
	r.Fields = OrdersFields
	r.PKUK = OrdersPKUK
	r.Before, r.After = before, after
	r.BornTimestamp = g.TS*1000 + 7
	r.ProcessTimestamps = []int64{g.TS * 1000, g.TS*1000 + 3}
	return r
}

// Insert is an INSERT into shop.orders.
func (g *Gen) Insert(id int64) Record { return g.orders(dts.OpInsert, nil, OrderRow(id, "NEW")) }

// Update is an UPDATE of shop.orders moving an order between statuses.
func (g *Gen) Update(id int64, from, to string) Record {
	return g.orders(dts.OpUpdate, OrderRow(id, from), OrderRow(id, to))
}

// Delete is a DELETE from shop.orders.
func (g *Gen) Delete(id int64) Record { return g.orders(dts.OpDelete, OrderRow(id, "CLOSED"), nil) }

// UpdateOther is an UPDATE of another table (shop.customers), for filters.
func (g *Gen) UpdateOther(id int64) Record {
	r := g.next(dts.OpUpdate)
	r.ObjectName = "shop.customers"
	r.Fields = []dts.Field{{Name: "id", DataTypeNumber: MyLong}, {Name: "name", DataTypeNumber: MyVarString}}
	r.PKUK = `{"PRIMARY":["id"]}`
	r.Before = []Value{Int(id), Text("old")}
	r.After = []Value{Int(id), Text("new")}
	return r
}

// DDL is a DDL statement on shop.
func (g *Gen) DDL(stmt string) Record {
	r := g.next(dts.OpDDL)
	r.ObjectName = "shop"
	r.DDL = stmt
	return r
}

// PGInsert is an INSERT from a PostgreSQL source into appdb.public.customers
// (a three-part object name; PostgreSQL charset name "UTF8"; the Java
// SDK's shorter schema without bornTimestamp).
func (g *Gen) PGInsert(id int64, name string) Record {
	r := g.next(dts.OpInsert)
	r.SourceType = "PostgreSQL"
	r.SourceVersion = "15.4"
	r.ObjectName = "appdb.public.customers"
	r.Fields = []dts.Field{{Name: "id", DataTypeNumber: 20}, {Name: "name", DataTypeNumber: 1043},
		{Name: "balance", DataTypeNumber: 1700}, {Name: "joined", DataTypeNumber: 1184}, {Name: "active", DataTypeNumber: 16}}
	r.PKUK = `{"PRIMARY":["id"]}`
	r.After = []Value{Int(id), Chars("UTF8", []byte(name)), Decimal("0.00", 12, 2),
		TimestampTZ(2023, 1, 2, 3, 4, 5, 600000, "UTC"), TextObject("BOOLEAN", "true")}
	r.NoBornTimestamp = true
	return r
}
