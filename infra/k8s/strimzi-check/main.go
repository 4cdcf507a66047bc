// Command strimzi-check reads rendered manifests on stdin and decodes every kafka.strimzi.io
// object into Strimzi's Go model (github.com/RedHatInsights/strimzi-client-go, generated from
// Strimzi's CRD schemas), refusing unknown fields: Strimzi's CRDs themselves are in no Go module
// or Maven artifact (docs/deploy.md, "Rendered and validated in CI").
package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	strimzi "github.com/RedHatInsights/strimzi-client-go/apis/kafka.strimzi.io/v1beta2"
	"sigs.k8s.io/yaml"
)

type head struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
}

func model(kind string) any {
	switch kind {
	case "Kafka":
		return &strimzi.Kafka{}
	case "KafkaNodePool":
		return &strimzi.KafkaNodePool{}
	case "KafkaTopic":
		return &strimzi.KafkaTopic{}
	case "KafkaUser":
		return &strimzi.KafkaUser{}
	}
	return nil
}

func main() {
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		panic(err)
	}
	valid, invalid := 0, 0
	for _, doc := range strings.Split(string(data), "\n---") {
		var h head
		if yaml.Unmarshal([]byte(doc), &h) != nil || h.APIVersion != "kafka.strimzi.io/v1beta2" {
			continue
		}
		obj := model(h.Kind)
		if obj == nil {
			fmt.Printf("  %s %s: no model of this kind\n", h.Kind, h.Metadata.Name)
			invalid++
			continue
		}
		if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
			fmt.Printf("  %s %s: %v\n", h.Kind, h.Metadata.Name, err)
			invalid++
			continue
		}
		valid++
	}
	fmt.Printf("strimzi: %d valid, %d invalid\n", valid, invalid)
	if invalid > 0 {
		os.Exit(1)
	}
}
